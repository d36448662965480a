"""What is wrong with a database URL, or with a database that would not open, in one line an
operator can act on: the ``khabar`` command and ``scrapy crawl`` say it the same way instead
of printing SQLAlchemy's traceback.

A URL is checked before any engine is made (:func:`check_database_url`): text SQLAlchemy
cannot parse, a database kind it does not know, and Heroku-style ``postgres://`` (SQLAlchemy
names PostgreSQL ``postgresql``; this project's driver is ``postgresql+psycopg``) each get
their own message. Passwords never appear in a message.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, NoSuchModuleError, OperationalError

#: URLs that work, named in the messages
EXAMPLES = "sqlite:///data/khabar.db or postgresql+psycopg://user:password@host/db"
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


class DatabaseURLError(ValueError):
    """A database URL that names no database this project can open; the message says why."""


def shown_url(url: str) -> str:
    """``url`` as it may be printed: with its password hidden, even when it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD.sub(r"\1***@", url)


def check_database_url(url: str) -> URL:
    """``url`` parsed, or a :class:`DatabaseURLError` saying what is wrong with it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(f"not a database URL: {shown_url(url)!r} (use {EXAMPLES})") from None
    scheme = parsed.drivername
    if parsed.get_backend_name() == "postgres":
        raise DatabaseURLError(
            f"{shown_url(url)!r}: SQLAlchemy does not know {scheme}://;"
            " write postgresql+psycopg:// for PostgreSQL"
        )
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise DatabaseURLError(
            f"{shown_url(url)!r}: unknown kind of database {scheme!r} (use {EXAMPLES})"
        ) from None
    return parsed


def database_problem(error: BaseException, url: str) -> str:
    """One line saying why the database at ``url`` could not be used, from the ``error``
    raised while opening or reading it."""
    if isinstance(error, DatabaseURLError):
        return str(error)
    if isinstance(error, ArgumentError | NoSuchModuleError):
        try:
            check_database_url(url)
        except DatabaseURLError as bad:
            return str(bad)
    if isinstance(error, DBAPIError) and error.orig is not None:
        reason = str(error.orig)
    elif isinstance(error, ImportError):  # a driver that is not installed
        reason = f"its driver is not installed ({error})"
    else:
        reason = str(error) or type(error).__name__
    reason = reason.strip().splitlines()[0] if reason.strip() else type(error).__name__
    return f"cannot use the database {shown_url(url)}: {reason}"


def transient(error: BaseException) -> bool:
    """Whether a database error may pass if tried again: the server gone, not answering or
    out of disk, a lock held too long (SQLAlchemy's ``OperationalError`` and
    ``InterfaceError``, and any error that invalidated the connection); not a row the
    database refuses (``IntegrityError``, ``DataError``, ``ProgrammingError``)."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated
