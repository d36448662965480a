"""khabar: the analysts' command line over the crawl database.

\b
    khabar stats                         what the database holds, per category and day, last runs
    khabar search "أحمد" --since 2024-01-01 --limit 5
    khabar show 41872                    an article with its tags, images, links and versions
    khabar export --format parquet articles.parquet
    khabar db upgrade | check | rebuild-search

Every command takes --database-url (or DATABASE_URL; default: the crawler's SQLite file),
before or after the command's name, and --json for scripts. An error is one line on
standard error (`khabar: error: ...`), exit status 2 for a bad value given on the command
line, 1 for anything else; --debug adds the traceback.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from khabar_crawler.db.engine import create_db_engine
from khabar_crawler.db.engine import database_url as default_database_url
from khabar_crawler.db.errors import DatabaseURLError, check_database_url, database_problem
from khabar_crawler.db.migrate import SchemaOutOfDateError, current_revision, require_head, upgrade_database
from khabar_crawler.db.values import jsonable
from khabar_crawler.query.export import FORMATS, documents, write_csv, write_jsonl, write_parquet
from khabar_crawler.query.reports import article_document, check_consistency, database_stats, find_article
from khabar_crawler.query.search import RANK_CANDIDATES, rebuild_search, search
from khabar_crawler.query.search_filters import FilterError
from khabar_crawler.query.search_query import QueryError
from khabar_crawler.text.normalize import SEARCH_PROFILE, search_form
from khabar_crawler.ui.command import ui
from khabar_crawler.urls import canonicalize_url

console = Console(highlight=False)

#: where a snippet's match begins and ends (control characters no stored text holds): the
#: table escapes the snippet's text for rich, then marks the matches
SNIPPET_MARKS = ("\x02", "\x03")

#: the largest database id (``#id``) either back end can hold
MAX_DATABASE_ID = 2**63 - 1


class KhabarError(click.ClickException):
    """An error shown as one line, ``khabar: error: <what is wrong>``; exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"khabar: error: {self.format_message()}", file=file or sys.stderr)


class KhabarUsageError(KhabarError):
    """A bad value given on the command line: one line too, exit status 2."""

    exit_code = 2


def _problem(error: Exception, url: str) -> KhabarError:
    """The one-line error for an exception no command turned into one itself."""
    if isinstance(error, DatabaseURLError):
        return KhabarUsageError(str(error))
    if isinstance(error, SQLAlchemyError | ImportError):
        return KhabarError(database_problem(error, url))
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return KhabarError(f"{where}{error.strerror or error}")
    return KhabarError(f"{type(error).__name__}: {error} (khabar --debug shows the traceback)")


class KhabarGroup(click.Group):
    """The ``khabar`` group: whatever a command raises becomes one line (see
    :class:`KhabarError`); with ``--debug`` the traceback is printed first."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except click.ClickException as error:
            if debug and error.__cause__ is not None:
                traceback.print_exception(error.__cause__, file=sys.stderr)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if debug:
                raise
            url = ctx.obj.url if isinstance(ctx.obj, Context) else default_database_url()
            raise _problem(error, url) from error


class Context:
    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def engine(self) -> Engine:
        """An engine for the database, which must exist (``khabar db upgrade`` creates it)."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            path = parsed.database or ""
            if path not in ("", ":memory:") and not Path(path).is_file():
                raise KhabarError(
                    f"no database at {path}: crawl first (`make crawl` or `scrapy crawl khabarayn`), "
                    "or give --database-url"
                )
        return create_db_engine(self.url)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection to a database whose schema is at the head revision."""
        engine = self.engine()
        try:
            try:
                require_head(engine, "khabar db upgrade")
            except DBAPIError as exc:
                raise KhabarError(database_problem(exc, self.url)) from exc
            except SchemaOutOfDateError as exc:
                raise KhabarError(str(exc)) from exc
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()


def _date(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not a date: {value!r} (use YYYY-MM-DD)", param_hint=name) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=jsonable))


def _run_status(run: dict[str, Any]) -> str:
    """A run's status; a running one with its age ("running 12 min"), a silent one as stale."""
    if "age_seconds" not in run:
        return str(run["status"])
    return f"{run['status']} {max(1, round(run['age_seconds'] / 60))} min"


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return str(value or "")[:16].replace("T", " ")


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
DATABASE_URL_HELP = "SQLAlchemy URL of the database (default: DATABASE_URL or sqlite:///data/khabar.db)."


def _checked_url(url: str) -> str:
    try:
        check_database_url(url)
    except DatabaseURLError as exc:
        raise KhabarUsageError(str(exc)) from exc
    return url


def _command_database_url(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--database-url`` given after a command's name: it replaces the group's (or
    DATABASE_URL, or the default), which ``main`` has already put in the context."""
    if value is not None:
        ctx.ensure_object(Context).url = _checked_url(value)


#: ``--database-url`` on each command too, so that ``khabar stats --database-url X`` works
#: like ``khabar --database-url X stats``
database_url_option = click.option(
    "--database-url",
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_command_database_url,
    help=DATABASE_URL_HELP,
)


@click.group(cls=KhabarGroup, help=__doc__)
@click.option("--database-url", envvar="DATABASE_URL", default=None, help=DATABASE_URL_HELP)
@click.option("--debug", is_flag=True, help="On an error, print the traceback too.")
@click.version_option(package_name="khabar-crawler")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, debug: bool) -> None:
    ctx.obj = Context(_checked_url(database_url or default_database_url()))


@main.command(help="What the database holds: counts, per category and day, last crawl runs.")
@click.option("--days", default=14, show_default=True, help="Days shown in the per-day counts.")
@json_option
@database_url_option
@click.pass_obj
def stats(obj: Context, days: int, as_json: bool) -> None:
    with obj.connect() as connection:
        data = database_stats(connection, days=days)
    if as_json:
        _json(data)
        return
    console.print(f"database: {obj.display_url}", markup=False)
    totals = Table(show_header=False)
    for key in ("articles", "gone", "versions", "aliases", "near_duplicates", "rejected_pages"):
        totals.add_row(key.replace("_", " "), str(data[key]))
    console.print(totals)
    categories = Table("category", "articles", title="per category")
    for row in data["per_category"]:
        categories.add_row(row["category"], str(row["articles"]))
    console.print(categories)
    days_table = Table("day", "articles", title=f"per day (last {days})")
    for row in data["per_day"]:
        days_table.add_row(row["day"], str(row["articles"]))
    console.print(days_table)
    runs = Table(
        "run",
        "status",
        "reason",
        "started",
        "pages",
        "new",
        "updated",
        "unchanged",
        "rejected",
        "errors",
        title="last crawl runs",
    )
    for run in data["runs"]:
        runs.add_row(
            str(run["id"]),
            _run_status(run),
            run["finish_reason"] or "",
            _when(run["started_at"]),
            str(run["pages_fetched"]),
            str(run["items_new"]),
            str(run["items_updated"]),
            str(run["items_unchanged"]),
            str(run["items_rejected"]),
            str(run["errors"]),
        )
    console.print(runs)


@main.command(
    name="search",
    help='Arabic full-text search: every word must occur; "a phrase"; prefix*; a OR b; -word or'
    " NOT word; ( ) to group. Words match in any spelling and with or without their prefixes"
    " (و ال ب ...); the form as written ranks first.",
)
@click.argument("query")
@click.option(
    "--category", default=None, help="Only this category: its name in any spelling, or its slug (asia)."
)
@click.option("--tag", default=None, help="Only articles with this tag (كوريا الجنوبية, or #كوريا_الجنوبية).")
@click.option("--author", default=None, help="Only articles by this author (a name, or words of it).")
@click.option("--since", default=None, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Published before this date (YYYY-MM-DD).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--rank-all",
    is_flag=True,
    help=f"Rank every match (default: a query matching more than {RANK_CANDIDATES:,} articles is"
    f" ranked among its {RANK_CANDIDATES:,} most recently stored matches; slower for common words).",
)
@json_option
@database_url_option
@click.pass_obj
def search_command(
    obj: Context,
    query: str,
    category: str | None,
    tag: str | None,
    author: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    rank_all: bool,
    as_json: bool,
) -> None:
    since_at, until_at = _date(since, "--since"), _date(until, "--until")
    with obj.connect() as connection:
        try:
            hits = search(
                connection,
                query,
                category=category,
                tag=tag,
                author=author,
                since=since_at,
                until=until_at,
                limit=limit,
                rank_all=rank_all,
                marks=("<mark>", "</mark>") if as_json else SNIPPET_MARKS,
            )
        except FilterError as exc:
            raise KhabarUsageError(str(exc)) from exc
        except QueryError as exc:
            raise click.BadParameter(str(exc), param_hint="QUERY") from exc
    if as_json:
        _json({"query": query, "normalised": search_form(query), "hits": [hit.as_json() for hit in hits]})
        return
    if not hits:
        console.print(f"no article matches {query!r}", markup=False)
        return
    table = Table("#", "published", "category", "title / snippet", title=f"{len(hits)} hit(s) for «{query}»")
    for rank, hit in enumerate(hits, start=1):
        title = escape(hit.title)
        marked = (
            escape(hit.snippet).replace(SNIPPET_MARKS[0], "[bold yellow]").replace(SNIPPET_MARKS[1], "[/]")
        )
        table.add_row(
            str(rank),
            _when(hit.published_at),
            hit.category or "",
            f"[bold]{title}[/bold]\n{marked}\n[dim]{escape(hit.url)}[/dim]",
        )
    console.print(table)


def _check_article_key(article: str, obj: Context) -> None:
    """Refuse, before any query, a key no article can have: a URL that does not parse, or a
    database id past what the database can hold."""
    key = article.strip()
    if key.startswith("#") and key[1:].isdigit() and int(key[1:]) > MAX_DATABASE_ID:
        raise KhabarError(
            f"no article {article!r} in {obj.display_url} (database ids end at {MAX_DATABASE_ID})"
        )
    if key.lower().startswith(("http://", "https://")):
        try:
            canonicalize_url(key)
        except ValueError as exc:
            raise KhabarUsageError(f"not a URL: {article!r} ({exc})") from exc


@main.command(help="One article (by the site's id, #database-id, or any URL it was seen under).")
@click.argument("article")
@json_option
@database_url_option
@click.pass_obj
def show(obj: Context, article: str, as_json: bool) -> None:
    _check_article_key(article, obj)
    with obj.connect() as connection, Session(bind=connection) as session:
        found = find_article(session, article)
        if found is None:
            raise KhabarError(f"no article {article!r} in {obj.display_url}")
        doc = article_document(found)
    if as_json:
        _json(doc)
        return
    head = Table(show_header=False, title=doc["title"])
    for key in (
        "article_id",
        "canonical_url",
        "category",
        "language",
        "published_at",
        "modified_at",
        "version",
    ):
        head.add_row(key, str(doc[key] or ""))
    if doc["gone_at"]:
        head.add_row("gone", f"{doc['gone_at']} (404/410, seen by run {doc['gone_run_id']})")
    head.add_row("authors", "، ".join(doc["authors"]))
    head.add_row("tags", "، ".join(doc["tags"]))
    head.add_row("summary", doc["summary"] or "")
    head.add_row(
        "field layers", ", ".join(f"{f}: {layer}" for f, layer in sorted(doc["field_layers"].items()))
    )
    console.print(head, markup=False)
    console.print(doc["body"], markup=False)
    for name, columns in (
        ("images", ("url", "caption", "credit")),
        ("see_also", ("title", "url")),
        ("related", ("title", "category", "url")),
        ("urls", ("url", "kind")),
        ("versions", ("version", "recorded_at", "modified_at", "content_hash")),
    ):
        if doc[name]:
            table = Table(*columns, title=name.replace("_", " "))
            for entry in doc[name]:
                table.add_row(*(str(entry[c] or "") for c in columns))
            console.print(table, markup=False)


@main.command(name="export", help="Stream articles to a file (constant memory): JSON lines, CSV or Parquet.")
@click.argument("out")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default=None, help="Default: from OUT's extension."
)
@click.option("--since", default=None, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Published before this date (YYYY-MM-DD).")
@click.option(
    "--excel", is_flag=True, help="CSV for Excel: starts with a UTF-8 byte order mark (Excel on Windows)."
)
@json_option
@database_url_option
@click.pass_obj
def export_command(
    obj: Context,
    out: str,
    fmt: str | None,
    since: str | None,
    until: str | None,
    excel: bool,
    as_json: bool,
) -> None:
    fmt = fmt or {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}.get(Path(out).suffix.lower())
    if fmt is None:
        raise click.BadParameter(
            "give --format (jsonl, csv or parquet) or an OUT ending in one", param_hint="OUT"
        )
    if fmt == "parquet" and out == "-":
        raise click.BadParameter("Parquet needs a file, not standard output", param_hint="OUT")
    if excel and fmt != "csv":
        raise click.BadParameter(f"--excel is for CSV, not {fmt}", param_hint="--excel")
    since_at, until_at = _date(since, "--since"), _date(until, "--until")
    if out != "-":
        _check_writable(out)
    with obj.connect() as connection, Session(bind=connection) as session:
        docs = documents(session, since_at, until_at)
        try:
            if fmt == "parquet":
                count = write_parquet(docs, out)
            elif out == "-":
                count = (
                    write_jsonl(docs, sys.stdout)
                    if fmt == "jsonl"
                    else write_csv(docs, sys.stdout, excel=excel)
                )
            else:
                with open(out, "w", encoding="utf-8", newline="") as handle:
                    count = (
                        write_jsonl(docs, handle) if fmt == "jsonl" else write_csv(docs, handle, excel=excel)
                    )
        except RuntimeError as exc:
            raise KhabarError(str(exc)) from exc
        except OSError as exc:
            raise KhabarError(f"cannot write {out}: {exc.strerror or exc}") from exc
    if as_json:
        _json({"format": fmt, "out": out, "articles": count})
    elif out != "-":
        console.print(f"exported {count} article(s) to {out} ({fmt})", markup=False)


def _check_writable(out: str) -> None:
    """Refuse, before reading the database, an OUT whose folder is missing or read-only."""
    folder = Path(out).parent
    if not folder.is_dir():
        raise KhabarError(f"cannot write {out}: no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise KhabarError(f"cannot write {out}: folder {folder} is read-only")


@main.group(help="Schema and index maintenance.")
def db() -> None:
    pass


@db.command(name="upgrade", help="Apply the Alembic migrations (creates the database if needed).")
@json_option
@database_url_option
@click.pass_obj
def db_upgrade(obj: Context, as_json: bool) -> None:
    status = upgrade_database(obj.url)
    if as_json:
        _json({"database": status.database, "revision": status.current})
    else:
        console.print(str(status), markup=False)


@db.command(name="check", help="Schema at head and stored data consistent; exits 1 on a problem.")
@json_option
@database_url_option
@click.pass_obj
def db_check(obj: Context, as_json: bool) -> None:
    with obj.connect() as connection:
        problems = check_consistency(connection)
        revision = current_revision(connection.engine)
    if as_json:
        _json({"database": obj.display_url, "revision": revision, "problems": problems})
    else:
        for problem in problems:
            console.print(f"problem: {problem}", markup=False)
        if not problems:
            console.print(f"{obj.display_url}: schema {revision}, consistent", markup=False)
    if problems:
        sys.exit(1)


@db.command(name="rebuild-search", help="Recompute search forms (current profile) and rebuild the index.")
@click.option("--all", "everything", is_flag=True, help="Recompute every article, not only older profiles.")
@json_option
@database_url_option
@click.pass_obj
def db_rebuild_search(obj: Context, everything: bool, as_json: bool) -> None:
    with obj.connect() as connection:
        rebuilt = rebuild_search(connection, everything=everything)
    if as_json:
        _json({"recomputed": rebuilt.recomputed, "indexed": rebuilt.indexed, "profile": SEARCH_PROFILE})
    else:
        console.print(
            f"recomputed {rebuilt.recomputed} article(s); index rebuilt over {rebuilt.indexed}"
            f" ({SEARCH_PROFILE})",
            markup=False,
        )


main.add_command(ui)


if __name__ == "__main__":
    main()
