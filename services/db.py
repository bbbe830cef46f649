"""Engines, sessions and migrations.

A user never sees a raw database error: a write that cannot get its lock (SQLite's
"database is locked", PostgreSQL's lock timeout, serialization failure or deadlock) is retried
when that is safe and otherwise refused with `CONFLICT_MESSAGE`; an unexpected constraint
violation, and a value the database cannot hold (PostgreSQL refuses NUL, text that cannot be
encoded, a number out of range), are refused with a Chinese message. Either way the action's
transaction is rolled back.
"""
import logging
import random
import time
from contextlib import contextmanager
from functools import wraps
from typing import Callable, Iterator, TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

from services import config
from services.errors import CONFLICT_MESSAGE, Conflict, DomainError, ValidationError

log = logging.getLogger(__name__)

# How long a write waits for another transaction's lock before giving up. Writes are short;
# on a deadline day hundreds of them queue behind each other on SQLite's single writer lock.
SQLITE_BUSY_TIMEOUT_MS = 15000
PG_LOCK_TIMEOUT_MS = 15000
# A transaction refused at once for a lock (SQLite's stale snapshot, PostgreSQL's serialization
# failure or deadlock) is run again from the start, within this time, when nothing was committed.
RETRY_ATTEMPTS = 3
RETRY_WINDOW_S = 2.0

INTEGRITY_MESSAGE = "保存未成功：数据与他人同时保存的内容冲突，请刷新后重试"
DATABASE_MESSAGE = "数据库暂时无法完成操作，请稍后重试；如仍不成功，请联系系统管理员"
DATA_MESSAGE = ("保存未成功：填写的内容中有数据库无法保存的字符或数值（如从其他文档复制带入的控制字符），"
                "请检查后重试")

_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")
_PG_BUSY = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
_DEPTH = "transactional_depth"  # session.info keys
_COMMITS = "commit_count"

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _pg_settings(dbapi_conn, _record) -> None:
    # Without a lock timeout a blocked write waits for ever and the page hangs.
    with dbapi_conn.cursor() as cur:
        cur.execute(f"SET lock_timeout = {int(PG_LOCK_TIMEOUT_MS)}")
    dbapi_conn.commit()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
        if url.startswith("postgresql"):
            event.listen(engine, "connect", _pg_settings)
    return engine


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "another transaction holds the lock"."""
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) in _PG_BUSY:
        return True
    text = str(orig).lower()
    return any(marker in text for marker in _SQLITE_BUSY)


def _refusal(exc: DBAPIError) -> DomainError | None:
    """The Chinese refusal for a database error a user could meet, or None (a bug: re-raise)."""
    if is_busy(exc):
        return Conflict(CONFLICT_MESSAGE)
    if isinstance(exc, IntegrityError):
        log.warning("constraint violation turned into a conflict: %s", exc.orig)
        return Conflict(INTEGRITY_MESSAGE)
    if isinstance(exc, DataError):
        log.error("value refused by the database", exc_info=exc)
        return ValidationError(DATA_MESSAGE)
    if isinstance(exc, OperationalError):
        log.error("database error shown as a retry message", exc_info=exc)
        return DomainError(DATABASE_MESSAGE)
    return None


def _raise_refusal(exc: DBAPIError) -> None:
    """Raise the Chinese refusal for `exc` when a user could meet it (else return: a bug)."""
    if (refusal := _refusal(exc)) is not None:
        raise refusal from exc


@event.listens_for(OrmSession, "after_commit")
def _count_commit(session) -> None:
    session.info[_COMMITS] = session.info.get(_COMMITS, 0) + 1


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the whole process."""
    url = url or config.database_url()
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose uncommitted work is rolled back on any exception."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
    except DBAPIError as exc:
        session.rollback()
        _raise_refusal(exc)
        raise
    except UnicodeEncodeError as exc:  # the driver cannot encode a lone surrogate
        session.rollback()
        log.error("text the database cannot encode", exc_info=exc)
        raise ValidationError(DATA_MESSAGE) from exc
    except OverflowError as exc:  # SQLite: a number beyond 64 bits (PostgreSQL: a DataError)
        session.rollback()
        log.error("a number the database cannot hold", exc_info=exc)
        raise ValidationError(DATA_MESSAGE) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


F = TypeVar("F", bound=Callable)


def transactional(fn: F) -> F:
    """One user action = one transaction: the outermost decorated call commits what the action
    wrote when it returns, and any exception rolls back everything (nested calls only join).

    A lock conflict runs the action again when nothing of it was committed yet, else (or when
    it persists) refuses with `CONFLICT_MESSAGE`; see the module docstring.
    """
    @wraps(fn)
    def wrapper(*args, **kwargs):
        session = kwargs.get("session", args[0] if args else None)
        if session.info.get(_DEPTH):  # inside another action: the outermost one decides
            try:
                return fn(*args, **kwargs)
            except BaseException:
                session.rollback()
                raise
        session.info[_DEPTH] = 1
        started = time.monotonic()
        try:
            for attempt in range(1, RETRY_ATTEMPTS + 1):
                commits = session.info.get(_COMMITS, 0)
                try:
                    result = fn(*args, **kwargs)
                    session.commit()  # the outermost action owns the transaction
                    return result
                except DBAPIError as exc:
                    session.rollback()
                    if (is_busy(exc) and attempt < RETRY_ATTEMPTS
                            and session.info.get(_COMMITS, 0) == commits
                            and time.monotonic() - started < RETRY_WINDOW_S):
                        time.sleep(random.uniform(0.02, 0.1) * attempt)
                        continue
                    _raise_refusal(exc)
                    raise
                except BaseException:
                    session.rollback()
                    raise
        finally:
            session.info.pop(_DEPTH, None)
    return wrapper  # type: ignore[return-value]


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config(str(config.ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(config.ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str | None = None) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(url or config.database_url()), "head")


def schema_drift(engine: Engine) -> list:
    """Differences between the models and the migrated database (empty when in step)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import models  # noqa: F401  (registers every table)

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, SQLModel.metadata)


def lock_rows(session: Session, model: type, *where, touch: str = "version") -> None:
    """Hold the rows of `model` matching `where` for the rest of this transaction, before reading
    them: a second action on the same rows waits here, then reads what the first committed.

    That makes a check-then-write one-winner (the last active administrator, the last category):
    PostgreSQL locks the rows in id order (`FOR UPDATE`, no deadlock between two such actions);
    SQLite has one writer, taken by a write that changes nothing (`touch` = itself), so this
    must come before the action's reads.
    """
    if session.get_bind().dialect.name == "sqlite":
        column = getattr(model, touch)
        session.execute(update(model).where(*where).values({column: column})
                        .execution_options(synchronize_session=False))
    else:
        session.execute(select(model.id).where(*where).order_by(model.id).with_for_update())
