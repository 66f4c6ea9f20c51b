"""Words and charts a demanding patient noticed: plurals, Spanish slot names, a y-axis."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.charts import Series, bar_chart, count_ticks
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version, sign_in_patient


def test_hold_one_second_is_singular(client: TestClient, db: Session) -> None:
    """'hold 1 second', never 'hold 1 seconds'; and the Spanish agrees."""
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    item.hold_seconds = 1
    db.add(item)
    sign_in_patient(client, db, patient)
    page = client.get(f"/exercise/{item.id}?slot=1").text
    assert "hold 1 second at the end" in page and "hold 1 seconds" not in page
    patient.language = "es"
    db.add(patient)
    db.commit()
    page = client.get(f"/exercise/{item.id}?slot=1").text
    assert "mantén 1 segundo al final" in page


def test_spanish_slot_names_cannot_read_as_tomorrow(client: TestClient, db: Session) -> None:
    """'Mañana' alone means tomorrow as well as morning: Today says 'Por la mañana'."""
    patient = make_patient(db, make_staff(db, make_clinic(db)), language="es", times_per_day=3)
    sign_in_patient(client, db, patient)
    page = client.get("/today").text
    assert "Por la mañana" in page and "A mediodía" in page and "Por la tarde" in page
    assert not re.search(r">\s*Mañana\s*<", page)


def test_the_nerve_feelings_chart_has_a_counted_y_axis() -> None:
    """Bars stand on an axis with whole-number ticks up to a round top."""
    svg = str(
        bar_chart(
            ["1 Nov", "8 Nov"], [Series("Tingling", "tingling", [3, 7])], "Nerve feelings", ""
        )
    )
    labels = re.findall(r'text-anchor="end">(\d+)</text>', svg)
    assert labels == ["0", "2", "4", "6", "8"]
    assert 'class="axis y-axis"' in svg
    assert count_ticks(0) == [0, 1] and count_ticks(12) == [0, 5, 10, 15]
