"""The project's own pages in Datasette (routes of :mod:`khabar_crawler.ui.plugin`):

- ``/-/search``: the search form (words, "phrases", prefix*; category, tag, author, since,
  until) answered by ``khabar search``'s own function, with highlighted snippets;
- ``/-/article/<id>``: an article (database id) as the site showed it, right to left, with
  its versions;
- ``/-/chart``: articles per day by category, an inline SVG.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote, urlencode

from datasette.utils.asgi import Response  # type: ignore[import-untyped]
from markupsafe import Markup, escape

from khabar_crawler.query.search_query import QueryError
from khabar_crawler.ui import store
from khabar_crawler.ui.chart import render_chart
from khabar_crawler.ui.metadata import PLUGIN
from khabar_crawler.ui.tags import TAG_PARAM
from khabar_crawler.ui.templates import render

SEARCH_PATH = "/-/search"
CHART_PATH = "/-/chart"
ARTICLE_PATH = "/-/article/{id}"
DEFAULT_LIMIT, MAX_LIMIT = 20, 1000


def database_name(datasette: Any) -> str:
    """The crawl database: the plugin's ``database`` setting, else the first file served."""
    configured = (datasette.plugin_config(PLUGIN) or {}).get("database")
    if configured:
        return str(configured)
    return str(next(name for name, database in datasette.databases.items() if database.path))


def _path(datasette: Any) -> str:
    return str(datasette.get_database(database_name(datasette)).path)


def _context(datasette: Any) -> dict[str, Any]:
    """What every page's layout links to."""
    database = database_name(datasette)
    return {
        "css": datasette.urls.static("app.css"),
        "home": datasette.urls.instance(),
        "database_url": datasette.urls.database(database),
        "search_url": datasette.urls.path(SEARCH_PATH),
        "chart_url": datasette.urls.path(CHART_PATH),
        "article_url": lambda pk: datasette.urls.path(ARTICLE_PATH.format(id=pk)),
        "readable": readable_url,
        "when": when,
        "day": day,
    }


def readable_url(url: str | None) -> str:
    return unquote(url or "")


def when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else ""


def day(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d") if value else ""


def highlighted(snippet: str) -> Markup:
    """A snippet as HTML: its text escaped, its matches (:data:`store.MARKS`) as ``<mark>``."""
    start, end = store.MARKS
    return Markup(str(escape(snippet)).replace(start, "<mark>").replace(end, "</mark>"))


def _date(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{name}: ليس تاريخًا: {value!r} (YYYY-MM-DD)") from None


def search_request(args: Mapping[str, str]) -> store.SearchRequest:
    """The search the form asks for (raises ValueError with the message to show)."""
    limit_text = args.get("limit") or str(DEFAULT_LIMIT)
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise ValueError(f"limit: عدد من 1 إلى {MAX_LIMIT}، لا {limit_text!r}")
    return store.SearchRequest(
        query=args.get("q", ""),
        category=args.get("category") or None,
        tag=args.get("tag") or None,
        author=args.get("author") or None,
        since=_date(args.get("since", ""), "since"),
        until=_date(args.get("until", ""), "until"),
        limit=int(limit_text),
    )


async def search_page(datasette: Any, request: Any) -> Any:
    path = _path(datasette)
    args = {
        key: request.args.get(key, "")
        for key in ("q", "category", "tag", "author", "since", "until", "limit")
    }
    choices = await asyncio.to_thread(store.choices, path)
    hits: list[Any] = []
    error = None
    try:
        wanted = search_request(args)
        if wanted.query.strip():
            hits = await asyncio.to_thread(store.find, path, wanted)
    except (ValueError, QueryError) as exc:
        wanted = store.SearchRequest(query=args["q"])
        error = str(exc)
    html = render(
        "search.html",
        **_context(datasette),
        form=wanted,
        args=args,
        choices=choices,
        hits=hits,
        searched=bool(wanted.query.strip()) and error is None,
        error=error,
        snippet=highlighted,
    )
    return Response.html(html, status=400 if error else 200)


async def article_page(datasette: Any, request: Any) -> Any:
    pk = int(request.url_vars["id"])
    found = await asyncio.to_thread(store.article, _path(datasette), pk)
    context = _context(datasette)
    if found is None:
        return Response.html(render("message.html", **context, message=f"لا مقال {pk}"), status=404)
    database = database_name(datasette)
    tables = datasette.urls.database(database)
    html = render(
        "article.html",
        **context,
        article=found,
        tag_url=lambda tag: f"{tables}/articles?{urlencode({TAG_PARAM: tag})}",
        row_url=f"{tables}/articles/{found.id}",
        versions_url=f"{tables}/article_versions?article_pk={found.id}",
    )
    return Response.html(html)


async def chart_page(datasette: Any, request: Any) -> Any:
    since, until = request.args.get("since") or None, request.args.get("until") or None
    context = _context(datasette)
    try:
        for value in (since, until):
            if value:
                date.fromisoformat(value)
    except ValueError:
        message = f"ليس تاريخًا: {since or until!r} (YYYY-MM-DD)"
        return Response.html(render("message.html", **context, message=message), status=400)
    rows = await asyncio.to_thread(store.daily_counts, _path(datasette), since, until)
    html = render(
        "chart.html",
        **context,
        chart=render_chart(rows),
        since=since,
        until=until,
        days=len({row[0] for row in rows}),
        total=sum(row[2] for row in rows),
        table_url=datasette.urls.table(database_name(datasette), "daily_category_counts"),
    )
    return Response.html(html)


#: the routes, for Datasette's ``register_routes``
ROUTES = (
    (r"^/-/search$", search_page),
    (r"^/-/article/(?P<id>[0-9]{1,18})$", article_page),
    (r"^/-/chart$", chart_page),
)
