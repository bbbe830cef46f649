"""Alembic environment: SQLModel metadata, batch mode for SQLite."""
from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from services import config as app_config
from services.db import make_engine

target_metadata = SQLModel.metadata


def run_in_transaction(connection) -> None:
    """Migrate on a caller's connection, inside the caller's transaction (PostgreSQL's DDL is
    transactional: a restore that fails later takes the new schema back with it)."""
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    if (shared := context.config.attributes.get("connection")) is not None:
        run_in_transaction(shared)
        return
    url = context.config.get_main_option("sqlalchemy.url") or app_config.database_url()
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # batch mode rebuilds tables that others reference
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # end the implicit transaction so Alembic's own one commits
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
    engine.dispose()


run_migrations_online()
