"""Fuzzing findings waiting for the owner of the code: expected to fail until fixed, then flagged.

Each entry is an operation of tests/api/test_fuzz.py whose failure is known and reported. It is
marked xfail(strict=True): once the route is fixed the test passes, strictness turns that into
a failure, and the entry must be removed here.
"""

import pytest

PENDING: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the pending operations of the fuzz tests as expected failures."""
    for item in items:
        if not item.nodeid.startswith("tests/api/test_fuzz.py::"):
            continue
        # Schemathesis names every item after the test; the operation is kept beside it.
        reason = PENDING.get(str(getattr(item, "operation_label", "")))
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
