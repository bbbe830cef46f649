"""Admin-editable settings (offline-delivery contacts, upload limit, …)."""
from sqlmodel import Field, SQLModel


class Setting(SQLModel, table=True):
    key: str = Field(max_length=64, primary_key=True)
    value: str = Field(default="", max_length=2000)
