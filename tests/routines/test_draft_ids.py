"""Exercise ids sent with a routine: only plain digits naming a possible row are looked up."""

from starlette.datastructures import FormData

from app.routines.draft import draft_from_form


def test_ids_past_any_row_or_not_plain_digits_are_unknown_exercises() -> None:
    """Past the integer column (a 500 on PostgreSQL), negative, '²' or '٣': None, which the
    routine page names as an unknown exercise instead of looking it up."""
    sent = ["99999999999999999999", "-99999999999", "²", "٣", " 7 "]
    form = FormData(
        [("count", str(len(sent)))] + [(f"item-{n}-exercise_id", v) for n, v in enumerate(sent)]
    )
    assert [item.exercise_id for item in draft_from_form(form)] == [None, None, None, None, 7]


def test_line_ids_past_any_row_are_new_lines() -> None:
    """A line's id past the integer column (a 500 on PostgreSQL when its old dose was looked
    up), negative or not plain digits: None, a line without a past."""
    sent = ["2147483648", "-4", "٣", " 12 "]
    form = FormData(
        [("count", str(len(sent)))]
        + [(f"item-{n}-exercise_id", "1") for n in range(len(sent))]
        + [(f"item-{n}-item_id", v) for n, v in enumerate(sent)]
    )
    assert [item.item_id for item in draft_from_form(form)] == [None, None, None, 12]
