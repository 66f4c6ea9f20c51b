"""Validated input of the sign-in, password and team forms."""

from typing import ClassVar, Literal

from pydantic import ValidationInfo, field_validator

from app.core.security import password_problem
from app.staff.forms import FormModel, clean_email

ROLES = ("therapist", "admin")


class LoginForm(FormModel):
    """Email and password as typed on the sign-in page."""

    messages: ClassVar[dict[str, str]] = {
        "email": "Enter your email address.",
        "password": "Enter your password.",
    }

    email: str = ""
    password: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if not value:
            raise ValueError("Enter your email address.")
        return value[:254]

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        if not value:
            raise ValueError("Enter your password.")
        # argon2 hashes any length; a cap stops someone posting megabytes to hash.
        return value[:1024]


class ResetRequestForm(FormModel):
    """The email someone wants a reset link for."""

    email: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return clean_email(value)


class NewPasswordForm(FormModel):
    """A new password typed twice."""

    password: str = ""
    confirm: str = ""

    @field_validator("password")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        problem = password_problem(value)
        if problem is not None:
            raise ValueError(problem)
        if len(value) > 1024:
            raise ValueError("Use at most 1024 characters.")
        return value

    @field_validator("confirm")
    @classmethod
    def _same(cls, value: str, info: ValidationInfo) -> str:
        if "password" in info.data and value != info.data["password"]:
            raise ValueError("The two passwords are not the same.")
        return value


class StaffForm(FormModel):
    """A new team member: name, email and role."""

    messages: ClassVar[dict[str, str]] = {"role": "Choose therapist or admin."}

    name: str = ""
    email: str = ""
    role: Literal["therapist", "admin"] = "therapist"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Enter their name.")
        if len(value) > 200:
            raise ValueError("Use at most 200 characters.")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return clean_email(value)


class ChangePasswordForm(NewPasswordForm):
    """The current password, then a new one typed twice."""

    current: str = ""
