"""Search latency of ``khabar search`` on a generated database, SQLite and PostgreSQL.

    python -m bench.search --articles 100000 --queries 50

Fills a database with N synthetic articles (SQLite file under bench/.work/, PostgreSQL schema
``bench_search_<N>``; both kept between runs), then times :func:`khabar_crawler.query.search.search`
(query parsing, the database's full-text query, snippets: what the command does) for each
query, after one warm-up pass: the corpus's queries (words, phrases, prefixes) and, built
from them, one in five as ``a OR b`` and one in five as ``a -b``. Reports median and p95 in
milliseconds and the mean hits per query, and how many queries give the same hits, and the
same hits in the same order, on both back ends.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, func, insert, select, text

from bench.synthetic import Corpus, SyntheticArticle
from khabar_crawler.db.engine import create_db_engine
from khabar_crawler.db.migrate import upgrade
from khabar_crawler.db.models import Article
from khabar_crawler.db.values import search_columns
from khabar_crawler.query.search import RANK_CANDIDATES, search
from khabar_crawler.text.normalize import search_form, words
from khabar_crawler.text.simhash import bands, simhash, to_signed

WORK = Path(__file__).resolve().parent / ".work"
POSTGRES_URL = os.environ.get(
    "KHABAR_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def row(article: SyntheticArticle, now: datetime) -> dict[str, Any]:
    title_s, summary_s, body_s = (
        search_form(article.title),
        search_form(article.summary),
        search_form(article.body),
    )
    # the fingerprints hash the search forms (as dedupe does); the stored columns are the
    # indexed forms of the current profile (as the store writes them)
    digest = hashlib.sha256("\x1f".join((title_s, summary_s, body_s)).encode()).hexdigest()
    indexed = search_columns(article.title, article.summary, article.body)
    fingerprint = simhash(words(body_s))
    b0, b1, b2, b3 = bands(fingerprint)
    return {
        "canonical_url": article.url,
        "article_id": article.article_id,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        **indexed,
        "category": article.category,
        "language": "ar",
        "authors": ["خَبَرَيْن"],
        "sections": [],
        "published_at": article.published_at,
        "modified_at": None,
        "content_hash": digest,
        "simhash": to_signed(fingerprint),
        "simhash_band0": b0,
        "simhash_band1": b1,
        "simhash_band2": b2,
        "simhash_band3": b3,
        "version": 1,
        "first_seen_at": now,
        "last_seen_at": now,
        "updated_at": now,
    }


def fill(engine: Engine, corpus: Corpus, count: int, batch: int = 2000) -> float:
    """Insert ``count`` articles (the index follows, by trigger or generated column); seconds."""
    upgrade(engine)
    with engine.connect() as connection:
        present = int(connection.scalar(select(func.count()).select_from(Article)) or 0)
    if present >= count:
        return 0.0
    started, now = time.perf_counter(), datetime.now(UTC)
    articles: Iterator[SyntheticArticle] = corpus.articles(count - present, start=present)
    while True:
        chunk = [row(a, now) for _, a in zip(range(batch), articles, strict=False)]
        if not chunk:
            break
        with engine.begin() as connection:
            connection.execute(insert(Article), chunk)
    return time.perf_counter() - started


def time_queries(connection: Connection, queries: list[str], runner: Any) -> dict[str, Any]:
    for query in queries:  # warm-up: caches and plans
        runner(connection, query)
    timed, hits = [], []
    for query in queries:
        started = time.perf_counter()
        found = runner(connection, query)
        timed.append(((time.perf_counter() - started) * 1000, query))
        hits.append(len(found))
    timed.sort()
    timings = [ms for ms, _ in timed]
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
        "max_ms": round(timings[-1], 2),
        "mean_hits": round(statistics.mean(hits), 2),
        "slowest": {query: round(ms, 1) for ms, query in reversed(timed[-5:])},
    }


def khabar_search(connection: Connection, query: str) -> list[Any]:
    return search(connection, query, limit=10)


def hit_ids(connection: Connection, query: str) -> list[str]:
    """The hits of a query as ranked, best first, all of them (a common word's: its
    RANK_CANDIDATES newest matches), for comparing back ends."""
    hits = search(connection, query, limit=RANK_CANDIDATES, snippets=False)
    return [h.article_id or "" for h in hits]


def with_operators(queries: list[str]) -> list[str]:
    """The queries, and from every fifth pair of them one ``a OR b`` and one ``a -b``."""
    pairs = list(zip(queries[::5], queries[1::5], strict=False))
    return [*queries, *(f"{a} OR {b}" for a, b in pairs), *(f"{a} -{b}" for a, b in pairs if " " not in b)]


def run(articles: int, queries: int, seed: int = 2024, postgres: bool = True) -> dict[str, Any]:
    corpus = Corpus(seed)
    query_list = with_operators(corpus.queries(queries))
    results: dict[str, Any] = {"articles": articles, "queries": len(query_list)}
    WORK.mkdir(exist_ok=True)
    sqlite = create_db_engine(f"sqlite:///{WORK / f'search-{articles}-{seed}.db'}")
    results["sqlite_fill_s"] = round(fill(sqlite, corpus, articles), 1)
    with sqlite.connect() as connection:
        results["sqlite"] = time_queries(connection, query_list, khabar_search)
        sqlite_hits = [hit_ids(connection, q) for q in query_list]
    sqlite.dispose()
    if not postgres:
        return results
    schema = f"bench_search_{articles}_{seed}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    pg = create_db_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    results["postgresql_fill_s"] = round(fill(pg, corpus, articles), 1)
    with pg.connect() as connection:
        connection.execute(text("ANALYZE articles"))
        results["postgresql"] = time_queries(connection, query_list, khabar_search)
        pg_hits = [hit_ids(connection, q) for q in query_list]
        results["postgresql_same_hits_as_sqlite"] = sum(
            set(a) == set(b) for a, b in zip(pg_hits, sqlite_hits, strict=True)
        )
        results["postgresql_same_order_as_sqlite"] = sum(
            a == b for a, b in zip(pg_hits, sqlite_hits, strict=True)
        )
    pg.dispose()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    print(
        json.dumps(
            run(args.articles, args.queries, postgres=not args.no_postgres), ensure_ascii=False, indent=2
        )
    )


if __name__ == "__main__":
    main()
