"""A copy of the whole database and its restoration (``flask backup`` / ``flask restore``).

PostgreSQL is copied by its own tools, ``pg_dump`` in its custom format and
``pg_restore`` in one transaction (a restore that fails half-way leaves the database as
it was). The password travels in the environment (``PGPASSWORD``), never on a command
line that ``ps`` shows. SQLite is copied by its online backup API, which gives a
consistent copy while the app keeps running.

A backup holds every personal record, priority groups included: keep it encrypted and
where only the people who may restore it can read it, and delete old ones as the
retention rules say.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa


class BackupError(Exception):
    """What went wrong, in a sentence for the operator (no password in it)."""


def _postgres(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    """The connection options of pg_dump/pg_restore, and the environment with the
    password."""
    options = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
               "--username", url.username or "postgres", "--dbname", url.database or ""]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return options, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def backup(database_url: str, target: Path) -> None:
    """Write a copy of the database to ``target`` (a new file)."""
    url = sa.make_url(database_url)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file")
    if url.get_backend_name() == "postgresql":
        options, env = _postgres(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *options],
             env)
    elif url.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(_sqlite_path(url))) as source, \
                closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
    else:
        raise BackupError(f"no backup for {url.get_backend_name()} databases")


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents by the copy in ``source``."""
    url = sa.make_url(database_url)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if url.get_backend_name() == "postgresql":
        options, env = _postgres(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              *options, str(source)], env)
    elif url.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(source)) as copy, \
                closing(sqlite3.connect(_sqlite_path(url))) as live:
            copy.backup(live)
    else:
        raise BackupError(f"no restore for {url.get_backend_name()} databases")
