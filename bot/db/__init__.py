"""Database access: one engine per URL, created on first use (never at import); sessions made one way
(`session_factory`), used as a transactional scope (`session_scope`) or, by the background jobs, one
transaction per step (`with factory() as session, session.begin():`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import settings

SessionFactory = Callable[[], Session]


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the CLI read while the action server writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def default_engine() -> Engine:
    return engine_for(settings().database_url)


def session_factory(engine: Engine | None = None) -> SessionFactory:
    """Sessions on `engine` (default: HOTLINE_DATABASE_URL's); objects stay readable after the commit."""
    factory: sessionmaker[Session] = sessionmaker(
        bind=engine or default_engine(), future=True, expire_on_commit=False
    )
    return factory


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back when it raises."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
