"""What the ``khabar`` command reports: database statistics, one article, consistency checks.

Plain data in (a connection or session), JSON-ready dicts out; the CLI only formats them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session, selectinload

from khabar_crawler.db.models import (
    Article,
    ArticleTag,
    ArticleUrl,
    ArticleVersion,
    CrawlRun,
    NearDuplicate,
    RejectedPage,
)
from khabar_crawler.db.values import jsonable
from khabar_crawler.text.normalize import SEARCH_PROFILE
from khabar_crawler.urls import canonicalize_url


def database_stats(connection: Connection, days: int = 14, runs: int = 10) -> dict[str, Any]:
    def count(query: Any) -> int:
        return int(connection.scalar(query) or 0)

    per_category = connection.execute(
        text(
            "SELECT COALESCE(category, '(none)') AS category, COUNT(*) AS articles FROM articles"
            " GROUP BY COALESCE(category, '(none)') ORDER BY articles DESC, category"
        )
    )
    per_day = connection.execute(
        text(
            "SELECT day, SUM(articles) AS articles FROM daily_category_counts"
            " GROUP BY day ORDER BY day DESC LIMIT :n"
        ),
        {"n": days},
    )
    last_runs = connection.execute(
        select(
            CrawlRun.id,
            CrawlRun.status,
            CrawlRun.finish_reason,
            CrawlRun.started_at,
            CrawlRun.finished_at,
            CrawlRun.pages_fetched,
            CrawlRun.items_new,
            CrawlRun.items_updated,
            CrawlRun.items_unchanged,
            CrawlRun.items_rejected,
            CrawlRun.errors,
            CrawlRun.heartbeat_at,
        )
        .order_by(CrawlRun.id.desc())
        .limit(runs)
    )
    return {
        "articles": count(select(func.count()).select_from(Article)),
        "versions": count(select(func.count()).select_from(ArticleVersion)),
        "gone": count(select(func.count()).select_from(Article).where(Article.gone_at.is_not(None))),
        "aliases": count(select(func.count()).select_from(ArticleUrl).where(ArticleUrl.kind != "canonical")),
        "near_duplicates": count(select(func.count()).select_from(NearDuplicate)),
        "rejected_pages": count(select(func.count()).select_from(RejectedPage)),
        "per_category": [dict(row._mapping) for row in per_category],
        "per_day": [{"day": str(row.day)[:10], "articles": int(row.articles)} for row in per_day],
        "runs": [run_progress({k: jsonable(v) for k, v in row._mapping.items()}) for row in last_runs],
    }


#: a running crawl writes a heartbeat every 30 s (KHABAR_HEARTBEAT_SECONDS): one silent for
#: longer than this is shown as stale (killed, hung, or on a host that lost its database)
STALE_AFTER_SECONDS = 120


def run_progress(run: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A ``crawl_runs`` row (JSON-ready) with, while it runs, its age and whether its heartbeat
    stopped: ``status`` ``stale`` for a running row silent for ``STALE_AFTER_SECONDS``."""
    if run.get("status") != "running":
        return run
    now = now or datetime.now(UTC)
    started = datetime.fromisoformat(run["started_at"])
    last = datetime.fromisoformat(run["heartbeat_at"]) if run.get("heartbeat_at") else started
    silent = (now - last.replace(tzinfo=last.tzinfo or UTC)).total_seconds()
    run = {**run, "age_seconds": int((now - started.replace(tzinfo=started.tzinfo or UTC)).total_seconds())}
    if silent > STALE_AFTER_SECONDS:
        run["status"] = "stale"
    return run


def _url_keys(url: str) -> list[str]:
    """The URLs to look an article up by, in order: as given, canonical, and both again with a
    trailing slash on the path (stored canonical URLs end with one; a URL copied from a
    browser or a message may not)."""
    keys = [url, canonicalize_url(url)]
    parts = urlsplit(url)
    if not parts.path.endswith("/"):
        slashed = urlunsplit(parts._replace(path=parts.path + "/"))
        keys += [slashed, canonicalize_url(slashed)]
    return list(dict.fromkeys(keys))


def find_article(session: Session, key: str) -> Article | None:
    """An article by the site's id, its database id (``#12``), or any URL it was seen under."""
    key = key.strip()
    options = (
        selectinload(Article.tags).joinedload(ArticleTag.tag),
        selectinload(Article.images),
        selectinload(Article.links),
        selectinload(Article.versions),
        selectinload(Article.urls),
    )
    if key.startswith("#") and key[1:].isdigit():
        return session.scalar(select(Article).where(Article.id == int(key[1:])).options(*options))
    if not key.lower().startswith(("http://", "https://")):
        return session.scalar(select(Article).where(Article.article_id == key).options(*options))
    for url in _url_keys(key):
        found = session.scalar(select(Article).where(Article.canonical_url == url).options(*options))
        if found is None:
            found = session.scalar(
                select(Article)
                .join(ArticleUrl, ArticleUrl.article_pk == Article.id)
                .where(ArticleUrl.url == url)
                .options(*options)
            )
        if found is not None:
            return found
    return None


def article_document(article: Article, *, with_history: bool = True) -> dict[str, Any]:
    """An article as a JSON-ready document (the export and ``khabar show`` shape);
    ``with_history`` adds the crawl metadata: the extraction layer of each field, the URLs
    and the versions (``khabar show``; the export leaves it out)."""
    document: dict[str, Any] = {
        "article_id": article.article_id,
        "canonical_url": article.canonical_url,
        "title": article.title,
        "summary": article.summary,
        "category": article.category,
        "language": article.language,
        "authors": list(article.authors or []),
        "tags": [t.tag.name for t in article.tags],
        "published_at": jsonable(article.published_at),
        "modified_at": jsonable(article.modified_at),
        "body": article.body,
        "sections": article.sections,
        "images": [
            {"url": i.url, "alt": i.alt, "caption": i.caption, "credit": i.credit} for i in article.images
        ],
        "see_also": [
            {"title": link.title, "url": link.url} for link in article.links if link.kind == "see_also"
        ],
        "related": [
            {"title": link.title, "url": link.url, "summary": link.summary, "category": link.category}
            for link in article.links
            if link.kind == "related"
        ],
        "version": article.version,
        "first_seen_at": jsonable(article.first_seen_at),
        "last_seen_at": jsonable(article.last_seen_at),
    }
    if with_history:
        # the page answered 404/410 on a revisit (when, and which run saw it); None: online
        document["gone_at"] = jsonable(article.gone_at)
        document["gone_run_id"] = article.gone_run_id
        document["field_layers"] = dict(article.field_layers or {})
        document["urls"] = sorted(
            ({"url": u.url, "kind": u.kind} for u in article.urls), key=lambda u: u["url"]
        )
        document["versions"] = [
            {
                "version": v.version,
                "recorded_at": jsonable(v.recorded_at),
                "modified_at": jsonable(v.modified_at),
                "content_hash": v.content_hash,
            }
            for v in article.versions
        ]
    return document


def check_consistency(connection: Connection) -> list[str]:
    """Problems found in the stored data (empty when the database is consistent)."""
    problems = []
    mismatched = connection.scalar(
        text(
            "SELECT COUNT(*) FROM articles AS a WHERE a.version <>"
            " (SELECT COUNT(*) FROM article_versions AS v WHERE v.article_pk = a.id)"
            " OR a.content_hash <> (SELECT v.content_hash FROM article_versions AS v"
            " WHERE v.article_pk = a.id ORDER BY v.version DESC LIMIT 1)"
        )
    )
    if mismatched:
        problems.append(f"{mismatched} article(s) whose versions do not match their current content")
    unlisted = connection.scalar(
        text(
            "SELECT COUNT(*) FROM articles AS a WHERE NOT EXISTS (SELECT 1 FROM article_urls AS u"
            " WHERE u.article_pk = a.id AND u.url = a.canonical_url)"
        )
    )
    if unlisted:
        problems.append(f"{unlisted} article(s) without their canonical URL in article_urls")
    stale = connection.scalar(
        select(func.count()).select_from(Article).where(Article.search_profile != SEARCH_PROFILE)
    )
    if stale:
        problems.append(
            f"{stale} article(s) with search forms of an older profile: run `khabar db rebuild-search`"
        )
    if connection.dialect.name == "sqlite":
        try:
            connection.execute(
                text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
            )
        except Exception as exc:  # FTS5 reports a corrupt or stale index as an error
            problems.append(
                f"full-text index out of sync ({exc.__class__.__name__}): run `khabar db rebuild-search`"
            )
    return problems
