"""Recall and precision of ``khabar search``, profile ar-v1 beside ar-v2, on both back ends.

    python -m bench.search_quality [--no-postgres]

The documents are the two seed articles (title, summary and body of
``fixtures/khabarayn/expected``) and, when ``../shared/realworld`` is there, the Arabic
reference bodies of its pages (their ``ref/<id>.txt``, with the reference title); without it
those are skipped, and so are the gold expectations about them. The gold set
(``bench/search_gold.json``) holds, for each query, the documents that should match and why:
the forms of the word a reader would count (with attached و ف ب ك ل and ال, and the word's
inflections), written by hand as patterns and applied once to the texts.

Each profile gets its own database of those documents: ar-v1 stores the normalised forms and
searches the words as written (the search of main before ar-v2), ar-v2 stores and searches
as :mod:`khabar_crawler.query.search` does now. SQLite is a temporary file; PostgreSQL (when
reachable) a schema of its own (:func:`bench.postgres.fresh_schema`). Prints one row a query
(recall and precision per profile and back end) and the overall figures (micro-averaged over
the query-document pairs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import create_engine, insert, text

from bench.postgres import fresh_schema
from khabar_crawler.db.engine import create_db_engine
from khabar_crawler.db.migrate import upgrade
from khabar_crawler.db.models import Article
from khabar_crawler.db.values import search_columns
from khabar_crawler.query import search_query
from khabar_crawler.query.search import search
from khabar_crawler.text.normalize import search_form

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "bench" / "search_gold.json"
SEEDS = ROOT / "fixtures" / "khabarayn" / "expected"
REALWORLD = ROOT.parent / "shared" / "realworld"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PROFILES = ("ar-v1", "ar-v2")


def documents() -> dict[str, str]:
    """Document id → its text (title, summary and body, a line each)."""
    docs: dict[str, str] = {}
    for path in sorted(SEEDS.glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        docs[item["article_id"]] = "\n".join(filter(None, (item["title"], item.get("summary"), item["body"])))
    corpus = REALWORLD / "corpus.json"
    if corpus.exists():
        for entry in json.loads(corpus.read_text(encoding="utf-8")):
            ref = REALWORLD / "ref" / f"{entry['id']}.txt"
            if entry["lang"] == "ar" and ref.exists():
                title = entry["reference"].get("title") or ""
                docs[entry["id"]] = f"{title}\n{ref.read_text(encoding='utf-8')}"
    return docs


def _row(number: int, doc_id: str, body: str, profile: str) -> dict[str, Any]:
    title, _, rest = body.partition("\n")
    if profile == "ar-v2":
        forms = search_columns(title, None, rest)
    else:
        forms = {
            "title_search": search_form(title),
            "summary_search": "",
            "body_search": search_form(rest),
            "search_profile": "ar-v1",
        }
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        "canonical_url": f"https://example.org/{doc_id}",
        "article_id": doc_id,
        "title": title,
        "summary": None,
        "body": rest,
        **forms,
        "category": None,
        "language": "ar",
        "authors": [],
        "sections": [],
        "published_at": now,
        "modified_at": None,
        "content_hash": hashlib.sha256(body.encode()).hexdigest(),
        "simhash": number,
        "simhash_band0": 0,
        "simhash_band1": 0,
        "simhash_band2": 0,
        "simhash_band3": 0,
        "version": 1,
        "first_seen_at": now,
        "last_seen_at": now,
        "updated_at": now,
    }


def hits(url: str, docs: dict[str, str], profile: str, queries: list[str]) -> list[set[str]]:
    """The documents each query finds in a database of ``docs`` stored as ``profile``."""
    engine = create_db_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        rows = [_row(n, doc_id, body, profile) for n, doc_id in enumerate(docs) for body in [docs[doc_id]]]
        connection.execute(insert(Article), rows)
    found = []
    with ExitStack() as stack:
        if profile == "ar-v1":  # the query as main parsed it: normalised, no hamza folding
            stack.enter_context(mock.patch.object(search_query, "fold", search_form))
        with engine.connect() as connection:
            for query in queries:
                found.append(
                    {h.article_id or "" for h in search(connection, query, limit=100, snippets=False)}
                )
    engine.dispose()
    return found


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/quality.db"


def postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:  # any failure to connect: the bench runs on SQLite only
        return False
    return True


def score(found: set[str], expected: set[str]) -> tuple[int, int, int]:
    """True positives, found, expected."""
    return len(found & expected), len(found), len(expected)


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def run(postgres: bool = True) -> dict[str, Any]:
    docs = documents()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))["queries"]
    queries = [g["query"] for g in gold]
    expected = [set(g["expected"]) & set(docs) for g in gold]
    back_ends: dict[str, Callable[[], Any]] = {"sqlite": sqlite_url}
    if postgres and postgres_reachable():
        back_ends["postgresql"] = lambda: fresh_schema(POSTGRES_URL, "bench_quality")
    results: dict[str, list[set[str]]] = {}
    for back_end, make_url in back_ends.items():
        for profile in PROFILES:
            with make_url() as url:
                results[f"{profile} {back_end}"] = hits(url, docs, profile, queries)
    per_query = []
    for i, query in enumerate(queries):
        row: dict[str, Any] = {"query": query, "expected": sorted(expected[i])}
        for name, found in results.items():
            tp, n_found, n_expected = score(found[i], expected[i])
            row[name] = (ratio(tp, n_expected), ratio(tp, n_found))
        per_query.append(row)
    overall = {}
    for name, found in results.items():
        tp = sum(score(f, e)[0] for f, e in zip(found, expected, strict=True))
        n_found = sum(len(f) for f in found)
        n_expected = sum(len(e) for e in expected)
        overall[name] = {"recall": ratio(tp, n_expected), "precision": ratio(tp, n_found)}
    return {"documents": len(docs), "queries": len(queries), "per_query": per_query, "overall": overall}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args(argv)
    report = run(postgres=not args.no_postgres)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    names = list(report["overall"])
    print(f"{report['documents']} documents, {report['queries']} queries; R/P per query")
    print(f"{'query':34} " + " ".join(f"{n:>19}" for n in names))
    for row in report["per_query"]:
        cells = " ".join(f"{row[n][0]:>9.2f} {row[n][1]:>9.2f}" for n in names)
        print(f"{row['query'][:34]:34} {cells}")
    print()
    for name, figures in report["overall"].items():
        print(f"{name:20} recall {figures['recall']:.3f}  precision {figures['precision']:.3f}")


if __name__ == "__main__":
    main()
