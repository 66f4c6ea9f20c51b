"""The form an admin fills in to make an API key."""

from typing import ClassVar

from pydantic import field_validator

from app.api_keys.service import DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS
from app.staff.forms import FormModel


class ApiKeyForm(FormModel):
    """A name, what the key may read, and how many days it lasts."""

    messages: ClassVar[dict[str, str]] = {
        "expires_days": "Choose how long the key lasts.",
    }

    name: str = ""
    patients_read: str = ""
    results_read: str = ""
    expires_days: int = DEFAULT_EXPIRY_DAYS

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Name the key after the software that uses it, such as Cliniko.")
        if len(value) > 120:
            raise ValueError("Keep the name under 120 characters.")
        return value

    @field_validator("expires_days")
    @classmethod
    def _days(cls, value: int) -> int:
        if value not in EXPIRY_DAYS:
            raise ValueError("Choose one of the lengths offered; a key lasts a year at most.")
        return value

    @property
    def scopes(self) -> list[str]:
        """The scopes ticked."""
        chosen = []
        if self.patients_read:
            chosen.append("patients:read")
        if self.results_read:
            chosen.append("results:read")
        return chosen
