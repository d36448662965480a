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


def ranked_sql(candidates: str, query: Query, params: dict[str, Any], *, octets: str, position: str) -> str:
    """The SQL of the hits' rows, best first: ``candidates`` selects the matches' ids (``id``,
    newest first, at most ``:candidates``), ranked here by the score of the module
    documentation; the needles of the query's terms go into ``params``. The back end's own
    functions: ``octets``, the UTF-8 length in bytes of ``{}`` (counting characters would
    read every text twice more), ``position``, where ``{1}`` first occurs in ``{0}`` (0: not
    at all)."""
    # each search column once per candidate, padded with spaces (a needle is " word ") and
    # its length: PostgreSQL would otherwise decompress it again for every expression
    padded = []
    for c, (column, _) in enumerate(RANK_WEIGHTS):
        spaced = f"' ' || a.{column} || ' '"
        padded.append(f"{spaced} AS p{c}, {octets.format(spaced)} AS l{c}")
    counts, score = [], []
    for i, term in enumerate(query.terms):
        end = "" if term.prefix else " "
        params[f"exact{i}"] = " " + " ".join(term.words) + end
        params[f"stem{i}"] = " " + " ".join(term.stems) + end
        for c, (_, weight) in enumerate(RANK_WEIGHTS):
            stems = (
                f"(l{c} - {octets.format(f'replace(p{c}, :stem{i}, {EMPTY})')})"
                f" / {octets.format(f'CAST(:stem{i} AS TEXT)')}"
            )
            exact = f"CASE WHEN {position.format(f'p{c}', f':exact{i}')} > 0 THEN 1 ELSE 0 END"
            counts.append(f"{stems} + {exact} AS n{i}_{c}")
            score.append(f"{weight} * (100 * n{i}_{c}) / (n{i}_{c} + 1)")
    return (
        f"WITH c AS MATERIALIZED ({candidates}),"
        f" p AS MATERIALIZED (SELECT a.id, {', '.join(padded)} FROM c JOIN articles AS a ON a.id = c.id),"
        f" n AS MATERIALIZED (SELECT p.id, {', '.join(counts)} FROM p)"
        " SELECT a.id, a.article_id, a.title, a.category, a.published_at, a.canonical_url, a.body,"
        " h.score FROM ("
        f" SELECT n.id, {' + '.join(score)} AS score FROM n"
        " ORDER BY score DESC, n.id DESC LIMIT :limit) AS h"
        " JOIN articles AS a ON a.id = h.id ORDER BY h.score DESC, a.id DESC"
    )
