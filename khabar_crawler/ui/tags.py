"""Tags on the ``articles`` pages: the ``tag`` facet (the tags of the rows shown, with their
counts) and the ``?_tag=`` filter a facet value toggles (articles with that tag, in any
spelling: the tag's normalised name is compared, as ``tags.name_search`` holds it).

Tags live in ``article_tags``/``tags``, not in a column of ``articles``; the facet and the
filter join them on the row's ``id`` (``articles`` and the ``article_overview`` view).
"""

from __future__ import annotations

from typing import Any

from datasette.database import QueryInterrupted  # type: ignore[import-untyped]
from datasette.facets import Facet  # type: ignore[import-untyped]
from datasette.filters import FilterArguments  # type: ignore[import-untyped]
from datasette.utils import path_with_added_args, path_with_removed_args  # type: ignore[import-untyped]

#: the request parameter of the filter (repeat it for articles with every tag given)
TAG_PARAM = "_tag"
#: the tables and views whose ``id`` is an article's
TAGGED = frozenset({"articles", "article_overview"})

TAG_COUNTS = (
    "SELECT t.name AS value, COUNT(*) AS count FROM ({rows}) AS r"
    " JOIN article_tags AS at ON at.article_pk = r.id JOIN tags AS t ON t.id = at.tag_id"
    " GROUP BY t.name ORDER BY count DESC, value LIMIT {limit}"
)
HAS_TAG = (
    "[id] IN (SELECT at.article_pk FROM article_tags AS at JOIN tags AS t ON t.id = at.tag_id"
    " WHERE t.name_search = khabar_search_form(:{param}))"
)


def tag_filter(table: str | None, tags: list[str]) -> FilterArguments | None:
    """The where clauses of ``?_tag=`` on ``table`` (None: nothing to filter)."""
    if table not in TAGGED or not tags:
        return None
    params = {f"khabar_tag_{number}": tag for number, tag in enumerate(tags)}
    return FilterArguments(
        [HAS_TAG.format(param=param) for param in params],
        params=params,
        human_descriptions=[f'tag is "{tag}"' for tag in tags],
    )


class TagFacet(Facet):  # type: ignore[misc]
    """``{"tag": "tags"}`` in a table's ``facets`` (or ``?_facet_tag=tags``)."""

    type = "tag"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        if self.table not in TAGGED:
            return results, timed_out
        chosen = {value for key, value in self.get_querystring_pairs() if key == TAG_PARAM}
        size: int = self.get_facet_size()
        for source_and_config in self.get_configs():
            name = str(source_and_config["config"].get("simple") or "tags")
            try:
                rows = await self.ds.execute(
                    self.database,
                    TAG_COUNTS.format(rows=self.sql, limit=size + 1),
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(name)
                continue
            values = [self._value(row["value"], row["count"], row["value"] in chosen) for row in rows.rows]
            results.append(
                {
                    "name": name,
                    "type": self.type,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {f"_facet_{self.type}": name})
                    ),
                    "results": values[:size],
                    "truncated": len(values) > size,
                }
            )
        return results, timed_out

    def _value(self, tag: str, count: int, selected: bool) -> dict[str, Any]:
        toggle = (path_with_removed_args if selected else path_with_added_args)(
            self.request, {TAG_PARAM: tag}
        )
        return {
            "value": tag,
            "label": tag,
            "count": count,
            "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
            "selected": selected,
        }
