"""Operations fixtures: a "site" is one data dir plus one database (SQLite in the data dir, or a
throwaway PostgreSQL database when TEST_DATABASE_URL is set)."""
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from services import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


@dataclass
class Site:
    data_dir: Path
    url: str

    def activate(self, monkeypatch) -> None:
        """Point the app's configuration (REFORM_DATA_DIR, DATABASE_URL) at this site."""
        monkeypatch.setenv("REFORM_DATA_DIR", str(self.data_dir))
        monkeypatch.setenv("DATABASE_URL", self.url)

    def tables(self) -> dict[str, list[tuple]]:
        """Every row of every table (alembic_version included), in a comparable order."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                names = sorted(inspect(conn).get_table_names())
                return {n: sorted(tuple(repr(v) for v in row)
                                  for row in conn.execute(text(f'SELECT * FROM "{n}"')))
                        for n in names}
        finally:
            engine.dispose()

    def files(self) -> dict[str, bytes]:
        """Every upload, by its path under the upload dir, with its bytes."""
        root = self.data_dir / "uploads"
        if not root.is_dir():
            return {}
        return {p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def pg_databases():
    """A factory of empty throwaway PostgreSQL databases, all dropped at the end."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set")
    base = PG_URL.rpartition("/")[0]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def new() -> str:
        name = f"reform_ops_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return f"{base}/{name}"

    yield new
    for name in made:
        url = f"{base}/{name}"
        if url in db._engines:
            db._engines.pop(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_site(request, tmp_path):
    """A factory of empty sites of the parametrised kind."""
    counter = iter(range(100))

    def make() -> Site:
        data = tmp_path / f"site{next(counter)}"
        data.mkdir()
        if request.param == "sqlite":
            return Site(data, f"sqlite:///{data / 'reform.db'}")
        return Site(data, request.getfixturevalue("pg_databases")())

    yield make
    for url in [u for u in db._engines if u.startswith("sqlite:///" + str(tmp_path))]:
        db._engines.pop(url).dispose()

