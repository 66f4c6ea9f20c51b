"""Files that hold patients' data are readable by the account that runs Neuroglide only."""

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

# Owner-only: a database, its write-ahead log, a backup or an export made by this process.
PRIVATE_UMASK = 0o077


def keep_private(data_dir: Path, database_url: str) -> None:
    """Make every file this process creates private from now on, and tighten the data folder
    and the SQLite database an earlier version or another tool left readable by others."""
    os.umask(PRIVATE_UMASK)
    paths = [data_dir]
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        paths += [database.with_name(database.name + end) for end in ("", "-wal", "-shm")]
    for path in paths:
        _tighten(path)


def _tighten(path: Path) -> None:
    """Take away the group's and others' access to a path this account owns."""
    try:
        info = path.stat()
    except OSError:
        return  # not made yet: the umask covers it
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid == os.getuid() and mode & 0o077:
        path.chmod(mode & 0o700)
