"""Whether the database can serve the app: it answers, and a write goes through."""

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine

log = logging.getLogger("neuroglide.health")


def database_ready() -> bool:
    """Read, then write one row and roll it back: a read-only or unreachable database fails.

    The write goes to Alembic's own table, which every migrated database has, and is never
    committed, so the check leaves no trace and needs no table of its own."""
    try:
        with get_engine().connect() as connection:
            with connection.begin() as transaction:
                connection.execute(text("SELECT 1"))
                connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
                transaction.rollback()
    except SQLAlchemyError as error:
        log.warning("not ready: %s", error)
        return False
    return True
