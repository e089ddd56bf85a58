"""Column types and helpers shared by every model."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (used as a callable column default)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and hands back aware UTC, the same on SQLite and PostgreSQL.

    SQLite has no time zones, so without this a value read back would be naive and
    could not be compared with ``utcnow()``.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def like_literal(text: str) -> str:
    """``text`` as a literal part of a LIKE pattern (used with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def enum_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    """A portable enum column: a VARCHAR with a named CHECK constraint, stored by value."""
    return sa.Enum(
        enum_cls,
        name=enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class DomainError(Exception):
    """A rule of the domain forbids what was asked; views turn it into a message.

    ``code`` names the rule, unique across the app: ``messages.error_text`` says it in
    the user's language (every code raised has a sentence there; a test checks). A
    subclass whose errors all mean one thing sets ``code`` on the class. Values the
    sentence needs come as keyword arguments, kept in ``params``.
    """

    code = "domain_error"

    def __init__(self, code: str | None = None, **params):
        super().__init__(code or self.code)
        if code is not None:
            self.code = code
        self.params = params


def transition(obj, *conditions, **values) -> bool:
    """Change ``obj``'s row only if the ``conditions`` still hold (typically "its state is
    still X"): one conditional UPDATE, so the database settles a race.

    Of two requests that try at once, the second waits for the first to commit and then
    finds nothing to change (PostgreSQL re-checks the condition on the new row; SQLite
    lets one writer in and the other is run again by ``unit_of_work``). Returns whether this
    transaction won; ``obj`` then holds the new values, and otherwise what is in the
    database now, so the caller can say why.
    """
    from ..extensions import db

    if obj.id is None:
        db.session.flush()
    model = type(obj)
    statement = (sa.update(model).where(model.id == obj.id, *conditions)
                 .values(**values).execution_options(synchronize_session=False))
    # An UPDATE gives a CursorResult; SQLAlchemy types execute() as a plain Result.
    won = cast("sa.CursorResult[Any]", db.session.execute(statement)).rowcount == 1
    _settle(obj, won, values)
    return won


def transition_all(objs: list, *conditions, **values) -> list:
    """``transition`` for rows of one model in one conditional UPDATE: returns those that
    changed (holding the new values); the others hold what is in the database now."""
    from ..extensions import db

    if not objs:
        return []
    if any(obj.id is None for obj in objs):
        db.session.flush()
    model = type(objs[0])
    won = set(db.session.scalars(
        sa.update(model).where(model.id.in_([obj.id for obj in objs]), *conditions)
        .values(**values).returning(model.id).execution_options(synchronize_session=False)))
    for obj in objs:
        _settle(obj, obj.id in won, values)
    return [obj for obj in objs if obj.id in won]


def _settle(obj, won: bool, values: dict) -> None:
    from ..extensions import db

    if won:
        for name, value in values.items():
            set_committed_value(obj, name, value)
    else:
        db.session.refresh(obj)


def refresh_statistics(*models: Any) -> None:
    """After a job changed these tables in bulk (a run's proposals, publishing's offers):
    PostgreSQL's statistics for them now, so the next pages' queries are planned for what
    the tables hold. Autovacuum would do it later, or never where it is off; in between,
    measured at 100,000 youths, the guardians' consent page took 8 s instead of 0.25 s
    (a nested loop planned for two job offers, run for 2,758). Cheap: ANALYZE reads a
    sample, and runs in the job's transaction."""
    from ..extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        db.session.execute(sa.text(f"ANALYZE {model.__table__.name}"))


def create_extensions(target, connection, **_kw) -> None:
    """Before a table with a trigram index (``gin_trgm_ops``) is created: PostgreSQL's
    pg_trgm extension, a trusted one that the database's owner may create (the
    migration that adds the index creates it too)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))


#: Indexes on an expression, which Alembic cannot compare (it reflects them as text, and
#: not at all on SQLite): each is written by hand in its migration, and autogenerate and
#: the schema test leave them out (``compared``).
EXPRESSION_INDEXES = frozenset({"ix_youth_profile_name_text"})


def compared(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: everything but ``EXPRESSION_INDEXES``."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)
