"""Alembic environment: SQLModel metadata, batch mode for SQLite."""
from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from services import config as app_config
from services.db import make_engine

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or app_config.database_url()
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
