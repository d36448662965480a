"""Streaming exports of the stored articles: JSON lines, CSV, Parquet.

Articles are read in batches (``yield_per``; server-side cursors on PostgreSQL) and written as
they come, so memory stays constant whatever the size of the database. Parquet holds the
datetimes as timestamps (microseconds, UTC); CSV for Excel (``excel=True``) starts with a
UTF-8 byte order mark, without which Excel on Windows reads the Arabic as mojibake.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from khabar_crawler.db.models import Article, ArticleTag
from khabar_crawler.query.reports import article_document

FORMATS = ("jsonl", "csv", "parquet")
#: columns of the flat formats, in order; list and object values are JSON text in CSV
COLUMNS = (
    "article_id",
    "canonical_url",
    "title",
    "summary",
    "category",
    "language",
    "authors",
    "tags",
    "published_at",
    "modified_at",
    "body",
    "sections",
    "images",
    "see_also",
    "related",
    "version",
    "first_seen_at",
    "last_seen_at",
)
JSON_COLUMNS = frozenset({"authors", "tags", "sections", "images", "see_also", "related"})
#: datetime columns: ISO 8601 text in JSON lines and CSV, timestamps (UTC) in Parquet
TIMESTAMP_COLUMNS = frozenset({"published_at", "modified_at", "first_seen_at", "last_seen_at"})
#: the UTF-8 byte order mark that ``write_csv(..., excel=True)`` writes first
BOM = "\ufeff"
BATCH = 500


def documents(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Export documents of the articles, oldest first, streamed in batches."""
    query = (
        select(Article)
        .options(
            selectinload(Article.tags).joinedload(ArticleTag.tag),
            selectinload(Article.images),
            selectinload(Article.links),
        )
        .order_by(Article.published_at, Article.id)
        .execution_options(yield_per=BATCH, stream_results=True)
    )
    if since is not None:
        query = query.where(Article.published_at >= since)
    if until is not None:
        query = query.where(Article.published_at < until)
    for article in session.scalars(query):
        yield article_document(article, with_history=False)
        session.expunge(article)


def write_jsonl(docs: Iterator[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for doc in docs:
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        count += 1
    return count


def flat_row(doc: dict[str, Any]) -> dict[str, Any]:
    return {c: json.dumps(doc[c], ensure_ascii=False) if c in JSON_COLUMNS else doc[c] for c in COLUMNS}


def write_csv(docs: Iterator[dict[str, Any]], out: IO[str], *, excel: bool = False) -> int:
    """CSV (RFC 4180, CRLF line ends); ``excel``: a UTF-8 byte order mark first, so that Excel
    opens the file as UTF-8."""
    if excel:
        out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for doc in docs:
        writer.writerow(flat_row(doc))
        count += 1
    return count


def timestamp(value: str | None) -> datetime | None:
    """A document's ISO 8601 datetime as an aware UTC datetime (a naive one is UTC)."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parquet_row(doc: dict[str, Any]) -> dict[str, Any]:
    return {c: timestamp(doc[c]) if c in TIMESTAMP_COLUMNS else doc[c] for c in COLUMNS}


def write_parquet(docs: Iterator[dict[str, Any]], path: str) -> int:
    """Parquet in row groups of ``BATCH`` articles, lists and records as native nested
    columns, datetimes as ``timestamp[us, tz=UTC]``; needs ``pyarrow`` (extra ``parquet``)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # an optional dependency
        raise RuntimeError("Parquet export needs pyarrow: pip install 'khabar-crawler[parquet]'") from exc

    def records(**names: Any) -> Any:
        return pa.list_(pa.struct([pa.field(name, kind) for name, kind in names.items()]))

    string = pa.string()
    kinds = {
        "authors": pa.list_(string),
        "tags": pa.list_(string),
        "sections": records(heading=string, paragraphs=pa.list_(string)),
        "images": records(url=string, alt=string, caption=string, credit=string),
        "see_also": records(title=string, url=string),
        "related": records(title=string, url=string, summary=string, category=string),
        "version": pa.int32(),
        **{column: pa.timestamp("us", tz="UTC") for column in TIMESTAMP_COLUMNS},
    }
    fields = [pa.field(column, kinds.get(column, string)) for column in COLUMNS]
    schema = pa.schema(fields)
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for doc in docs:
            batch.append(parquet_row(doc))
            if len(batch) >= BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
