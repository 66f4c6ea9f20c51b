"""A new log stored in one statement, without the model's constructor on the write path.

Building an `ExerciseLog` through SQLModel's constructor sets every field through both
pydantic's and SQLAlchemy's machinery: about 190 µs, and the write built one for its values and
another for the stored row, some tenth of the whole write. Here the values come from the
model's own defaults and the stored row is made the way SQLAlchemy makes a row it loads
(app.core.sql.adopt)."""

from collections.abc import Callable, Mapping
from functools import cache, partial
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import cast as cast_
from sqlalchemy import select as select_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from app.core.sql import Prepared, adopt
from app.models import ExerciseLog, RoutineItem, RoutineVersion


def _same(value: Any) -> Any:
    return value


@cache
def _defaults() -> tuple[tuple[str, Callable[[], Any]], ...]:
    """Each column the write may leave out, with how the model fills it (its factory, or a
    function returning its default)."""
    found: list[tuple[str, Callable[[], Any]]] = []
    for name, field in ExerciseLog.model_fields.items():
        if name == "id" or field.is_required():
            continue
        if field.default_factory is not None:
            found.append((name, field.default_factory))  # type: ignore[arg-type]
        else:
            found.append((name, partial(_same, field.default)))
    return tuple(found)


def new_log_values(**given: Any) -> dict[str, Any]:
    """Every column of a new log but its id: those given, the rest as the model's defaults."""
    values = dict(given)
    for name, default in _defaults():
        if name not in values:
            values[name] = default()
    return values


def insert_log(session: Session, values: Mapping[str, Any]) -> ExerciseLog | None:
    """Insert a log in one statement, with its item's exercise; None when the patient already
    stored its UUID or the item is not in one of the patient's routines.

    An upsert that skips a repeat needs no savepoint (two more round trips) and no look-up
    before it. It bypasses the session's flush: the caller brings the day's rollup in step."""
    connection = session.connection()
    params = {f"v_{name}": value for name, value in values.items()}
    params.update(item=values["routine_item_id"], owner=values["patient_id"])
    row = _insert_from_item(connection.dialect.name).first(connection, params)
    if row is None:
        return None
    # The row as stored, handed to the session as a loaded row: later edits update it.
    return adopt(session, ExerciseLog, row)


@cache
def _insert_from_item(dialect: str) -> Prepared:
    """INSERT ... SELECT of a log whose item is one of the patient's, built once per database
    kind and kept compiled; a repeated UUID inserts nothing and returns no row."""
    table = ExerciseLog.__table__  # type: ignore[attr-defined]
    names = [column.name for column in table.c if column.name != "id"]
    from_item: dict[str, Any] = {
        "routine_item_id": col(RoutineItem.id),
        "exercise_id": col(RoutineItem.exercise_id),
    }
    picked: list[Any] = []
    for name in names:
        if name in from_item:
            picked.append(from_item[name])
            continue
        value = bindparam(f"v_{name}", type_=table.c[name].type)
        # PostgreSQL types a SELECT's parameters only when told (an INSERT's VALUES need not).
        picked.append(cast_(value, table.c[name].type) if dialect == "postgresql" else value)
    owned = (
        select_(*picked)
        .select_from(RoutineItem)
        .join(RoutineVersion, col(RoutineVersion.id) == col(RoutineItem.version_id))
        .where(
            col(RoutineItem.id) == bindparam("item"),
            col(RoutineVersion.patient_id) == bindparam("owner"),
        )
    )
    key = ["patient_id", "uuid"]
    insert: Any = sqlite.insert
    if dialect == "postgresql":
        # The monthly partitions (migration 0019) key a log with its day; a UUID already stored
        # on another day is still a repeat, so it is looked for across the months first.
        key, insert = [*key, "local_date"], postgresql.insert
        stored = select_(col(ExerciseLog.id)).where(
            col(ExerciseLog.patient_id) == bindparam("owner"),
            col(ExerciseLog.uuid) == cast_(bindparam("v_uuid"), table.c["uuid"].type),
        )
        owned = owned.where(~stored.exists())
    return Prepared(
        insert(table)
        .from_select(names, owned)
        .on_conflict_do_nothing(index_elements=key)
        .returning(*table.c)
    )
