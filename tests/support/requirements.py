"""Skip locally, fail in CI, when a test's outside requirement is missing."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

_TRUTHY = {"true", "1"}


def in_ci() -> bool:
    """Return True when the CI environment variable says we run in CI."""
    return os.environ.get("CI", "").strip().lower() in _TRUTHY


def require(what: str, reason: str) -> NoReturn:
    """Skip the current test on a developer machine, fail it in CI."""
    if in_ci():
        # CI installs everything itself, so a missing binary there is a broken
        # pipeline, not an optional extra: a skip would hide it.
        pytest.fail(f"{what} is required in CI: {reason}", pytrace=False)
    pytest.skip(reason)
