"""Change counters that let every server tell cheaply whether something shared has changed."""

from sqlmodel import Field, SQLModel


class ChangeStamp(SQLModel, table=True):
    """A named counter, such as "library", bumped in the transaction of each change it covers."""

    __tablename__ = "change_stamp"

    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(default=0)
