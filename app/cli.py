"""The neuroglide command: serve, migrate, demo, users, invites, reminders, import, export;
the operations commands (rollups, partitions, backup, restore) come from app.ops.cli."""

import os
from collections.abc import Callable
from pathlib import Path

import typer
from alembic import command
from alembic.config import Config
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlmodel import select

from app.config import get_settings
from app.core.digits import plain_digits
from app.core.private import PRIVATE_UMASK
from app.ops.cli import register, with_progress

cli = typer.Typer(help="Neuroglide: home exercise for nerve-related pain.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic's configuration for this checkout, optionally for another database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def run_migrations(database_url: str | None = None) -> None:
    """Bring the database schema up to date and load the built-in library."""
    from app.db import make_engine, session_scope
    from app.library.service import sync_builtin_library

    command.upgrade(alembic_config(database_url), "head")
    engine = make_engine(database_url or get_settings().resolved_database_url)
    with session_scope(engine) as session:
        sync_builtin_library(session)
    # A database from before daily rollups gets them once; after that they follow every write.
    from app.rollups.rebuild import needs_rebuild, rebuild_all

    if needs_rebuild(engine):
        rebuild_all(engine)
    engine.dispose()


@cli.command()
def migrate() -> None:
    """Apply database migrations and load the built-in exercise library."""
    run_migrations()
    console.print("[green]Database is up to date.[/green]")


@cli.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on (default NEUROGLIDE_HOST)."),
    port: int = typer.Option(None, help="Port (default NEUROGLIDE_PORT)."),
    workers: int = typer.Option(1, help="Worker processes."),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Migrate first."),
) -> None:
    """Run the web app with uvicorn."""
    import uvicorn

    from app.core.logging import log_config

    # The app (and each worker process) reads its settings again: give it the address chosen.
    if host:
        os.environ["NEUROGLIDE_HOST"] = host
    if port:
        os.environ["NEUROGLIDE_PORT"] = str(port)
    get_settings.cache_clear()
    settings = get_settings()
    if migrate_first:
        run_migrations()
    uvicorn.run(
        "app.main:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        # Forwarded addresses are believed only from the proxies the operator names: any
        # client can send X-Forwarded-For, and the sign-in pause and audit trail rely on it.
        proxy_headers=bool(settings.trusted_proxy_list),
        forwarded_allow_ips=settings.trusted_proxy_list or None,
        log_config=log_config(),
        # Naming the server and its version only helps someone match it to known weaknesses.
        server_header=False,
    )


@cli.command()
def demo() -> None:
    """Create the demo clinic (idempotent) and print the logins and patient invite links."""
    from app.db import session_scope
    from app.demo.service import build_demo, demo_steps

    if get_settings().environment == "production":
        # The demo staff share one password written in the code: never on a real clinic.
        err_console.print(
            "[red]neuroglide demo does not run with NEUROGLIDE_ENVIRONMENT=production:[/red] "
            "it creates staff accounts with a password anyone can read in the code. Try it on "
            "a copy of its own, for example `./dev.sh demo` on your computer.",
            highlight=False,
        )
        raise typer.Exit(1)
    run_migrations()
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("Building the demo clinic", total=demo_steps())
        with session_scope() as session:
            result = build_demo(session, lambda n: progress.advance(task, n))
    console.print(
        f"\n[bold]{result.clinic}[/bold] "
        + ("created." if result.created else "already existed: nothing duplicated.")
    )
    staff = Table(title="Staff sign-in at " + get_settings().base_url + "/login")
    for column in ("role", "email", "password"):
        staff.add_column(column)
    for role, email, _name in result.staff:
        staff.add_row(role, email, result.password)
    console.print(staff)
    console.print("\n[bold]Patient invite links[/bold] (single use; open one on a phone):")
    languages = {"en": "English", "es": "Spanish"}
    for name, story, link, language, therapist in result.invites:
        about = f"{story}; speaks {languages.get(language, language)}; therapist {therapist}"
        console.print(f"  {name} ({about}):", soft_wrap=True)
        console.print(f"    {link}", soft_wrap=True, highlight=False)
    console.print(
        f"\nThe audit trail (Audit in the workspace menu) is open to the admin account only: "
        f"{result.audit_account}. Therapists see their own patients, not the audit trail.",
        soft_wrap=True,
    )


@cli.command("create-user")
def create_user(
    email: str = typer.Option(..., prompt=True),
    name: str = typer.Option(..., prompt=True),
    clinic: str = typer.Option(..., prompt=True, help="Clinic name; created if new."),
    role: str = typer.Option("therapist", help="therapist or admin"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create a staff user (and the clinic when it does not exist yet)."""
    from app.core.security import hash_password, password_problem
    from app.db import session_scope
    from app.models import Clinic, StaffUser

    if role not in ("therapist", "admin"):
        raise typer.BadParameter("role must be therapist or admin")
    problem = password_problem(password)
    if problem is not None:
        raise typer.BadParameter(f"password: {problem}")
    email = email.strip().lower()
    with session_scope() as session:
        if session.exec(select(StaffUser).where(StaffUser.email == email)).first():
            raise typer.BadParameter(f"{email} already has an account")
        found = session.exec(select(Clinic).where(Clinic.name == clinic)).first()
        if found is None:
            found = Clinic(name=clinic)
            session.add(found)
            session.flush()
        assert found.id is not None
        session.add(
            StaffUser(
                clinic_id=found.id,
                email=email,
                name=name,
                role=role,
                password_hash=hash_password(password),
            )
        )
    console.print(f"[green]Created {role} {email} in {clinic}.[/green]")


@cli.command()
def invite(patient_id: int = typer.Argument(..., help="The patient's number.")) -> None:
    """Print a fresh single-use invite link for a patient (earlier unused links stop working)."""
    from app.access.service import create_invite, invite_url
    from app.db import session_scope
    from app.models import Patient

    with session_scope() as session:
        patient = session.get(Patient, patient_id)
        if patient is None or patient.archived_at is not None:
            console.print(f"[red]No active patient {patient_id}.[/red]")
            raise typer.Exit(1)
        link = invite_url(create_invite(session, patient))
    console.print(f"Invite for {patient.display_name}: {link}")


@cli.command()
def reminders(
    loop: bool = typer.Option(False, "--loop", help="Keep running, one pass every 60 seconds."),
) -> None:
    """Send the reminders and webhooks due now, once each (cron, or --loop; one server or many)."""
    from app.reminders.runner import run_forever, run_pass
    from app.reminders.service import SendReport

    def show(report: SendReport) -> None:
        for line in report.lines:
            console.print(line, highlight=False)
        console.print(
            f"{report.sent} sent, {report.failed} failed, {report.skipped} already sent elsewhere, "
            f"{report.removed} expired devices removed.",
            highlight=False,
        )

    if loop:
        try:
            run_forever(show)
        except KeyboardInterrupt:
            console.print("Stopped.")
        return
    report = run_pass()
    if report is None:
        console.print("[red]The reminder pass failed; see the log above.[/red]")
        raise typer.Exit(1)
    show(report)


@cli.command("import-patients")
def import_patients(
    path: Path = typer.Argument(..., help="The CSV file (the template's columns)."),
    staff_email: str = typer.Option(..., "--as", help="Email of the staff member importing."),
    only_valid: bool = typer.Option(False, "--only-valid", help="Skip rows with problems."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and store nothing."),
) -> None:
    """Add patients from a CSV file: checked first, no duplicates, with a progress bar."""
    from sqlmodel import col, func

    from app.db import session_scope
    from app.models import StaffUser
    from app.patients.importing import ImportFileError, check_file, import_rows

    try:
        data = path.read_bytes()
    except OSError as error:
        err_console.print(f"[red]Cannot read {path}: {error.strerror}.[/red]")
        raise typer.Exit(1) from None
    with session_scope() as session:
        staff = session.exec(
            select(StaffUser).where(
                func.lower(col(StaffUser.email)) == staff_email.strip().lower(),
                col(StaffUser.is_active).is_(True),
            )
        ).first()
        if staff is None:
            err_console.print(f"[red]No active staff member has the email {staff_email}.[/red]")
            raise typer.Exit(1)
        try:
            plan = check_file(session, staff, data)
        except ImportFileError as error:
            err_console.print(f"[red]{error}[/red]", highlight=False)
            raise typer.Exit(1) from None
        if plan.invalid:
            table = Table("Row", "Column", "Problem")
            for row in plan.invalid:
                for problem in row.problems:
                    table.add_row(str(row.number), problem.column, problem.message)
            console.print(table)
        console.print(
            f"{len(plan.ready)} ready, {len(plan.existing)} already in the clinic, "
            f"{len(plan.invalid)} with problems.",
            highlight=False,
        )
        if dry_run:
            return
        if plan.invalid and not only_valid:
            err_console.print("Nothing imported: fix the file, or add --only-valid.")
            raise typer.Exit(1)
        ready = plan.ready

        def work(advance: Callable[[int, int], None]) -> int:
            for done, row in enumerate(ready, start=1):
                import_rows(session, staff, [row])
                advance(done, len(ready))
            return len(ready)

        added = with_progress("Importing patients", work)
    plural = "patient" if added == 1 else "patients"
    console.print(
        f"[green]{added} {plural} added.[/green] Make their invite links on the web page."
    )


@cli.command("export-fhir")
def export_fhir(
    directory: Path = typer.Argument(..., help="Folder for the <Type>.ndjson files (made if new)."),
    clinic: str = typer.Option(..., "--clinic", help="The clinic's number or exact name."),
) -> None:
    """Export one clinic as FHIR R4 NDJSON, one file per resource type (bulk data layout)."""
    from app.db import get_engine, session_scope
    from app.fhir.bulk import write_ndjson
    from app.models import Clinic

    with session_scope() as session:
        query = select(Clinic).where(
            Clinic.id == int(clinic) if plain_digits(clinic) else Clinic.name == clinic
        )
        found = session.exec(query).first()
        clinic_id = found.id if found else None
    if clinic_id is None:
        console.print(f"[red]No clinic {clinic!r}.[/red]", highlight=False)
        raise typer.Exit(1)
    result = with_progress(
        "Exporting patients", lambda tick: write_ndjson(get_engine(), clinic_id, directory, tick)
    )
    table = Table(title=f"FHIR R4 export of {result.patients} patients in {directory}")
    table.add_column("file")
    table.add_column("resources", justify="right")
    for kind, path in result.files.items():
        table.add_row(path.name, str(result.counts[kind]))
    console.print(table)


register(cli)


def _explain(error: ValidationError) -> str:
    """The settings that are wrong, each with what to do, without pydantic's decoration."""
    lines = []
    for problem in error.errors():
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        field = ".".join(str(part) for part in problem.get("loc", ()))
        named = f"NEUROGLIDE_{field.upper()}"
        lines.append(message if not field or named in message else f"{named}: {message}")
    return "\n".join(lines)


def main() -> None:
    """Entry point of the console script; wrong settings stop it with a plain message."""
    os.umask(PRIVATE_UMASK)  # backups, exports and the database it makes are private
    try:
        cli()
    except ValidationError as error:
        if error.title != "Settings":
            raise
        err_console.print("[red]Neuroglide cannot start.[/red]", highlight=False)
        err_console.print(_explain(error), highlight=False, soft_wrap=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
