"""Make SQLite transactions real, so the embedded default is as safe as PostgreSQL.

Python's sqlite3 module, left to itself, runs SELECTs outside any transaction and
begins one only at the first write. Two sign-ups could then both count 4 of 5 places
taken and both take the fifth. SQLAlchemy's documented remedy: switch the driver's own
transaction handling off and emit BEGIN ourselves, so reads and writes of one unit of
work form one transaction (and SAVEPOINT works, ``unit_of_work.attempt``); a loser of a
race then fails and is run again (``youth_app.unit_of_work``, ``youth_app.db_retry``).
Foreign keys are switched on too (SQLite's default is off).
"""
from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: Seconds a connection waits for another writer before reporting "database is locked".
BUSY_TIMEOUT = 15


@event.listens_for(Engine, "connect")
def _configure(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT * 1000}")
        cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
