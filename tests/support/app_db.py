"""The app's requests served from another database than the run's SQLite file."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import get_session


@contextmanager
def app_on(engine: Engine) -> Iterator[None]:
    """While open, each request of the app is one transaction on this engine's database."""
    from app.main import app

    def session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as db:
            try:
                yield db
                db.commit()
            except BaseException:
                db.rollback()
                raise

    app.dependency_overrides[get_session] = session
    try:
        yield
    finally:
        app.dependency_overrides.pop(get_session, None)
