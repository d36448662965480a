"""``khabar ui``: the crawl database in Datasette, with the project's plugin and metadata.

Registered on the ``khabar`` group by :mod:`khabar_crawler.query.cli`; it imports
that module's error and context classes when it runs (importing them here would make the
two modules import each other). Datasette is imported only once the URL and the schema
are checked: without the ``ui`` extra, the error says how to install it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from khabar_crawler.db.errors import DatabaseURLError, check_database_url, shown_url

if TYPE_CHECKING:
    from khabar_crawler.query.cli import Context

INSTALL = "pip install -e '.[ui]'"


@click.command(
    name="ui",
    help="Open the database in Datasette: the search form (/-/search), article pages, facets,"
    " the analyst queries and a chart of articles per day (SQLite only).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--open", "open_browser", is_flag=True, help="Open the search page in a web browser.")
@click.option(
    "--database-url",
    default=None,
    help="SQLAlchemy URL of the database (default: the group's, DATABASE_URL or sqlite:///data/khabar.db).",
)
@click.pass_obj
def ui(obj: Context, host: str, port: int, open_browser: bool, database_url: str | None) -> None:
    from khabar_crawler.query.cli import Context, KhabarError, KhabarUsageError

    url = database_url or obj.url
    try:
        parsed = check_database_url(url)
    except DatabaseURLError as exc:
        raise KhabarUsageError(str(exc)) from exc
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        raise KhabarUsageError(
            f"khabar ui serves a SQLite file (Datasette reads SQLite), not {shown_url(url)}:"
            " give --database-url sqlite:///path/to/khabar.db"
        )
    context = Context(url)
    with context.connect():  # the file exists and its schema is at head
        pass
    try:
        importlib.import_module("datasette")  # the optional extra
    except ImportError as exc:
        raise KhabarError(f"khabar ui needs Datasette: {INSTALL}") from exc
    from khabar_crawler.ui.server import serve

    click.echo(f"khabar ui: http://{host}:{port}/-/search ({context.display_url}; Ctrl-C stops)", err=True)
    serve(Path(str(parsed.database)), host, port, open_browser)
