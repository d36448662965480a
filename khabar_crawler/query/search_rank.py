"""The rank of a search's matches: one SQL expression that SQLite and PostgreSQL both run on
the stored search forms, so both back ends give the same hits in the same order.

The score of a hit sums, for each word or phrase of the query that matches positively (not
under ``-``/``NOT``), over title, summary and body (weights :data:`RANK_WEIGHTS`), a
saturating count ``100 n / (n + 1)``, where ``n`` is the number of occurrences of its stems,
plus one when the form as written occurs: so the form as written ranks above another form of
its stem, a title match above a summary match above a body match, and a tenth occurrence adds
little. Equal scores: the most recently stored article first. Integer arithmetic only, and
lengths in UTF-8 bytes on both back ends, so they cannot differ by rounding. (Occurrences
are counted without overlap: a stem written twice in a row counts once.)
"""

from __future__ import annotations

from typing import Any

from khabar_crawler.query.search_query import Query

EMPTY = "''"
#: the search columns a match is counted in, and the weight of a match there
RANK_WEIGHTS = (("title_search", 10), ("summary_search", 3), ("body_search", 1))


def ranked_sql(
    candidates: str, query: Query, params: dict[str, Any], *, octets: str, position: str, carry: str = ""
) -> str:
    """The SQL of the hits' rows, best first: ``candidates`` selects the matches' ids (``id``,
    newest first, at most ``:candidates``), ranked here by the score of the module
    documentation; the needles of the query's terms go into ``params``. The back end's own
    functions: ``octets``, the UTF-8 length in bytes of ``{}`` (counting characters would
    read every text twice more), ``position``, where ``{1}`` first occurs in ``{0}`` (0: not
    at all); ``carry`` names more columns of the candidates to return (``, c.found``)."""
    counts, score = [], []
    for i, term in enumerate(query.terms):
        end = "" if term.prefix else " "
        params[f"exact{i}"] = " " + " ".join(term.words) + end
        params[f"stem{i}"] = " " + " ".join(term.stems) + end
        for column, weight in RANK_WEIGHTS:
            padded = f"' ' || a.{column} || ' '"
            stems = (
                f"({octets.format(padded)} - {octets.format(f'replace({padded}, :stem{i}, {EMPTY})')})"
                f" / {octets.format(f'CAST(:stem{i} AS TEXT)')}"
            )
            exact = position.format(padded, f":exact{i}")
            found = [stems, f"CASE WHEN {exact} > 0 THEN 1 ELSE 0 END"]
            counts.append(f"{' + '.join(found)} AS n{i}_{column}")
            score.append(f"{weight} * (100 * n{i}_{column}) / (n{i}_{column} + 1)")
    return (
        f"WITH c AS MATERIALIZED ({candidates}), n AS MATERIALIZED ("
        f" SELECT a.id{carry}, {', '.join(counts)} FROM c JOIN articles AS a ON a.id = c.id)"
        " SELECT a.id, a.article_id, a.title, a.category, a.published_at, a.canonical_url, a.body,"
        f" h.score{carry.replace('c.', 'h.')} FROM ("
        f" SELECT n.id{carry.replace('c.', 'n.')}, {' + '.join(score)} AS score FROM n"
        " ORDER BY score DESC, n.id DESC LIMIT :limit) AS h"
        " JOIN articles AS a ON a.id = h.id ORDER BY h.score DESC, a.id DESC"
    )
