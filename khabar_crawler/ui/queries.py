"""The canned queries of ``khabar ui``: the project's search, and the example analyst queries
of docs/schema.md, one each, with the values the docs write in the SQL as named parameters.

Each analyst query's SQL is the docs' own (``tests/test_analyst_tools.py`` runs both and compares the
rows); a parameter is normalised by the database's own SQL functions
(:mod:`khabar_crawler.ui.functions`), so it may be typed as people write.
"""

from __future__ import annotations

from typing import Any

#: the project's query language (``khabar search``'s parser) in SQL an analyst can edit,
#: ranked by SQLite's BM25; the search page (/-/search) runs ``khabar search`` itself
SEARCH = {
    "title": 'Search the articles (as you type: words, "a phrase", prefix*, OR, -word)',
    "description": "The query language of khabar search, ranked by SQLite's BM25 (a title match"
    " above a summary match above a body match). The search page (/-/search) ranks exactly as"
    " khabar search and adds filters and snippets.",
    "sql": "SELECT a.id, a.article_id, a.published_at, a.category, a.title,"
    " khabar_url(a.canonical_url) AS url\n"
    "FROM articles_fts JOIN articles AS a ON a.id = articles_fts.rowid\n"
    "WHERE articles_fts MATCH coalesce(khabar_fts_match(:q), '\"\"')\n"
    "ORDER BY bm25(articles_fts, 10.0, 3.0, 1.0), a.id\n"
    "LIMIT 100",
}

#: (name, title as docs/schema.md heads it, SQL): the ten example analyst queries
ANALYST_QUERIES: tuple[tuple[str, str, str], ...] = (
    (
        "latest",
        "The latest articles",
        "SELECT published_at, category, title, canonical_url\n"
        "FROM articles\n"
        "ORDER BY published_at DESC\n"
        "LIMIT 20",
    ),
    (
        "articles_per_category",
        "Articles per category",
        "SELECT COALESCE(category, '(none)') AS category, COUNT(*) AS articles\n"
        "FROM articles\n"
        "GROUP BY COALESCE(category, '(none)')\n"
        "ORDER BY articles DESC, category",
    ),
    (
        "articles_per_day",
        "Articles published per day",
        "SELECT DATE(published_at) AS day, COUNT(*) AS articles\n"
        "FROM articles\n"
        "WHERE published_at IS NOT NULL\n"
        "GROUP BY DATE(published_at)\n"
        "ORDER BY day",
    ),
    (
        "most_used_tags",
        "The most used tags",
        "SELECT t.name AS tag, COUNT(*) AS articles\n"
        "FROM article_tags AS at\n"
        "JOIN tags AS t ON t.id = at.tag_id\n"
        "GROUP BY t.name\n"
        "ORDER BY articles DESC, tag\n"
        "LIMIT 25",
    ),
    (
        "articles_with_tag",
        "Articles with a tag, in any spelling (normalised tag name)",
        "SELECT a.published_at, a.title\n"
        "FROM articles AS a\n"
        "JOIN article_tags AS at ON at.article_pk = a.id\n"
        "JOIN tags AS t ON t.id = at.tag_id\n"
        "WHERE t.name_search = khabar_search_form(:tag)\n"
        "ORDER BY a.published_at DESC",
    ),
    (
        "articles_mentioning",
        "Articles mentioning a word (normalised body; full-text search has its own index)",
        "SELECT title, canonical_url\n"
        "FROM articles\n"
        "WHERE body_search LIKE '%' || khabar_index_words(:words) || '%'\n"
        "ORDER BY published_at DESC",
    ),
    (
        "edited_articles",
        "Articles edited after publication, with their number of versions",
        "SELECT a.title, a.version AS versions, MIN(v.recorded_at) AS first_recorded,"
        " MAX(v.recorded_at) AS last_recorded\n"
        "FROM articles AS a\n"
        "JOIN article_versions AS v ON v.article_pk = a.id\n"
        "GROUP BY a.id, a.title, a.version\n"
        "HAVING COUNT(*) > 1\n"
        "ORDER BY versions DESC, a.title",
    ),
    (
        "coverage_gaps",
        "Most linked articles not yet in the database (coverage gaps)",
        "SELECT l.url, MAX(l.title) AS title, COUNT(*) AS links\n"
        "FROM links AS l\n"
        "LEFT JOIN articles AS a ON a.canonical_url = l.url\n"
        "WHERE a.id IS NULL\n"
        "GROUP BY l.url\n"
        "ORDER BY links DESC, l.url\n"
        "LIMIT 20",
    ),
    (
        "photo_credits",
        "Photo credits: which agencies supply the pictures",
        "SELECT credit, COUNT(*) AS images, COUNT(DISTINCT article_pk) AS articles\n"
        "FROM images\n"
        "WHERE credit IS NOT NULL\n"
        "GROUP BY credit\n"
        "ORDER BY images DESC, credit",
    ),
    (
        "crawl_runs",
        "Recent crawl runs and what they did, with rejections by reason",
        "SELECT r.id, r.status, r.finish_reason, r.started_at, r.finished_at, r.pages_fetched,\n"
        "       r.items_new, r.items_updated, r.items_unchanged, r.items_rejected,\n"
        "       (SELECT COUNT(*) FROM rejected_pages AS p WHERE p.run_id = r.id) AS rejected_pages\n"
        "FROM crawl_runs AS r\n"
        "ORDER BY r.id DESC\n"
        "LIMIT 10",
    ),
)


def canned_queries() -> dict[str, dict[str, Any]]:
    """The ``queries`` of the database's metadata: ``search``, then the analyst queries."""
    queries: dict[str, dict[str, Any]] = {"search": dict(SEARCH)}
    for number, (name, title, sql) in enumerate(ANALYST_QUERIES, start=1):
        queries[name] = {"title": title, "description": f"docs/schema.md, query {number}", "sql": sql}
    return queries
