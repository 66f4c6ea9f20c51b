"""Reading HTML forms into validated models, with one plain-words message per field."""

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

# Deliberately simple: one @, no spaces, a dot in the domain; the real check is the mail itself.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

M = TypeVar("M", bound="FormModel")


class FormModel(BaseModel):
    """A form's fields; `messages` says what to show when a field cannot be read."""

    # A field left out of the post is checked as if sent empty: otherwise pydantic passes the
    # default unchecked, and a password form without its password fields set an empty one.
    model_config = ConfigDict(validate_default=True)

    messages: ClassVar[dict[str, str]] = {}


async def form_fields(request: Request) -> dict[str, str]:
    """The text fields of a posted form (files are read separately)."""
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            # Repeated names (none in these forms) keep the first value.
            fields.setdefault(key, value)
    return fields


# A route's parameter for the posted form's text fields.
FormFields = Annotated[dict[str, str], Depends(form_fields)]


def parse_form(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The validated model, or None and a message per field that was wrong."""
    try:
        return model.model_validate(dict(data)), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            errors.setdefault(field, _message(model, field, error))
        return None, errors


def _message(model: type[FormModel], field: str, error: Any) -> str:
    """Our own words for a validator's error; the model's message for a type error."""
    if error.get("type") == "value_error":
        return str(error.get("ctx", {}).get("error", error.get("msg", "")))
    return model.messages.get(field, "Please check this field.")


def clean_email(value: str, *, required: bool = True) -> str:
    """A trimmed, lower-cased email address; raises ValueError with a message if it is not one."""
    value = value.strip().lower()
    if not value and not required:
        return ""
    if not value:
        raise ValueError("Enter an email address.")
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise ValueError("Enter an email address like name@example.org.")
    return value
