"""What the phone sends for a message, and what the API answers."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from app.activity.schemas import Moment
from app.messages.service import clean_body
from app.models.message import MAX_BODY


class MessageIn(BaseModel):
    """A patient's message, with the UUID the phone made when it was written."""

    uuid: uuid.UUID
    # Room for surrounding spaces, which are trimmed; the trimmed text is checked again.
    body: str = Field(max_length=MAX_BODY + 200)
    written_at: Moment | None = None

    @field_validator("body")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_body(value)


class MessageOut(BaseModel):
    """A stored message."""

    uuid: uuid.UUID
    author: str
    body: str
    written_at: datetime
    received_at: datetime


class MessageStored(BaseModel):
    """The answer to a send: whether this call stored it, and the message as kept."""

    status: Literal["created", "exists"]
    entry: MessageOut
