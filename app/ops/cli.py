"""The operations commands of neuroglide: rebuild rollups, make partitions, back up, restore."""

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import Progress

from app.config import get_settings

console = Console()
T = TypeVar("T")


def with_progress(label: str, work: Callable[[Callable[[int, int], None]], T]) -> T:
    """Run work with a rich progress bar fed by its (done, total) callback."""
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return work(advance)


def rebuild_rollups() -> None:
    """Recompute every patient's daily rollups from their logs and routines."""
    from app.db import get_engine
    from app.rollups.rebuild import rebuild_all

    rows = with_progress("Rebuilding daily rollups", lambda tick: rebuild_all(get_engine(), tick))
    console.print(f"[green]Rebuilt {rows} daily rollups.[/green]")


def partitions(
    months: int = typer.Option(3, help="How many months ahead of this one to make."),
) -> None:
    """Make this month's and the next months' log partitions (PostgreSQL; nothing on SQLite)."""
    from datetime import UTC, datetime

    from app.db import get_engine
    from app.ops.partitions import ensure_partitions

    with get_engine().begin() as connection:
        made = ensure_partitions(connection, datetime.now(UTC).date(), months)
    console.print(f"[green]{len(made)} partitions made.[/green] " + ", ".join(made))


def backup(
    path: Path = typer.Argument(..., help="File to write the backup to (replaced if it exists)."),
) -> None:
    """Back up the database while the app runs (SQLite online backup, or pg_dump)."""
    from app.ops.backup import BackupError
    from app.ops.backup import backup as run_backup

    url = get_settings().resolved_database_url
    try:
        outcome = with_progress("Backing up", lambda tick: run_backup(url, path, tick))
    except BackupError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from error
    console.print(
        f"[green]Backed up the {outcome.kind} database to {outcome.path} "
        f"({outcome.size / 1_048_576:.1f} MB).[/green]",
        highlight=False,
    )


def restore(
    path: Path = typer.Argument(..., help="A file written by neuroglide backup."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that already holds clinics, staff or patients."
    ),
) -> None:
    """Restore a backup into the configured database (stop the app first)."""
    from app.ops.backup import BackupError
    from app.ops.backup import restore as run_restore

    url = get_settings().resolved_database_url
    try:
        outcome = with_progress(
            "Restoring", lambda tick: run_restore(url, path, force=force, progress=tick)
        )
    except BackupError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from error
    console.print(
        f"[green]Restored the {outcome.kind} database from {outcome.path}.[/green] "
        "Start the app with `neuroglide serve` (it applies any newer migrations first).",
        highlight=False,
    )


def register(cli: typer.Typer) -> None:
    """Add these commands to the neuroglide command."""
    cli.command("rebuild-rollups")(rebuild_rollups)
    cli.command()(partitions)
    cli.command()(backup)
    cli.command()(restore)
