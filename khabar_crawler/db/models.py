"""SQLAlchemy 2.x typed ORM models: the schema documented in docs/schema.md."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every back end (SQLite keeps no offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy API)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    spider: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any] | None]
    pages_fetched: Mapped[int] = mapped_column(default=0)
    items_new: Mapped[int] = mapped_column(default=0)
    items_updated: Mapped[int] = mapped_column(default=0)
    items_unchanged: Mapped[int] = mapped_column(default=0)
    items_rejected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None]
    #: the last time a running crawl wrote its progress (counts so far) into the row
    heartbeat_at: Mapped[datetime | None]


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    article_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    title_search: Mapped[str] = mapped_column(Text)
    summary_search: Mapped[str] = mapped_column(Text, default="")
    body_search: Mapped[str] = mapped_column(Text)
    search_profile: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(200), index=True)
    language: Mapped[str] = mapped_column(String(10))
    authors: Mapped[list[Any]] = mapped_column(default=list)
    sections: Mapped[list[Any]] = mapped_column(default=list)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    modified_at: Mapped[datetime | None]
    published_raw: Mapped[str | None] = mapped_column(String(100))
    modified_raw: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    simhash: Mapped[int] = mapped_column(BigInteger)
    simhash_band0: Mapped[int] = mapped_column(Integer, index=True)
    simhash_band1: Mapped[int] = mapped_column(Integer, index=True)
    simhash_band2: Mapped[int] = mapped_column(Integer, index=True)
    simhash_band3: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(default=1)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    #: which extraction layer filled each field in the latest reading (``{"body": "site"}``):
    #: crawl metadata, outside the content hash and the versions; NULL when not recorded
    field_layers: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    #: when a revisit found the article's page gone (404 or 410), and the run that saw it;
    #: NULL while the page answers (the article and its versions are kept either way)
    gone_at: Mapped[datetime | None]
    #: (a plain id, no foreign key: SQLite cannot add one to a table in place)
    gone_run_id: Mapped[int | None]

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", order_by="ArticleVersion.version", cascade="all, delete-orphan"
    )
    tags: Mapped[list[ArticleTag]] = relationship(
        order_by="ArticleTag.position", cascade="all, delete-orphan"
    )
    images: Mapped[list[ArticleImage]] = relationship(
        order_by="ArticleImage.position", cascade="all, delete-orphan"
    )
    links: Mapped[list[ArticleLink]] = relationship(
        order_by="(ArticleLink.kind, ArticleLink.position)", cascade="all, delete-orphan"
    )
    urls: Mapped[list[ArticleUrl]] = relationship(back_populates="article", cascade="all, delete-orphan")


class ArticleVersion(Base):
    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_pk", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_pk: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    sections: Mapped[list[Any]] = mapped_column(default=list)
    modified_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    recorded_at: Mapped[datetime]

    article: Mapped[Article] = relationship(back_populates="versions")


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_search: Mapped[str] = mapped_column(String(200), index=True)


class ArticleTag(Base):
    __tablename__ = "article_tags"

    article_pk: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True, index=True)
    position: Mapped[int]

    tag: Mapped[Tag] = relationship(lazy="joined")


class ArticleImage(Base):
    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("article_pk", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_pk: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int]
    url: Mapped[str] = mapped_column(Text)
    alt: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    credit: Mapped[str | None] = mapped_column(Text)


class ArticleLink(Base):
    """Links of an article: inline see-also links and related-news cards (``kind``)."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("article_pk", "kind", "position"), Index("ix_links_url", "url"))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_pk: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(200))


class ArticleUrl(Base):
    """Every URL an article was seen under: its canonical URL, the URLs it was fetched from
    (redirects included) and URLs of pages with the same content (``kind``)."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_pk: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]

    article: Mapped[Article] = relationship(back_populates="urls")


class NearDuplicate(Base):
    __tablename__ = "near_duplicates"
    __table_args__ = (UniqueConstraint("article_pk", "other_article_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_pk: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    other_article_pk: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    similarity: Mapped[float] = mapped_column(Float)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    detected_at: Mapped[datetime]


class RejectedPage(Base):
    __tablename__ = "rejected_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    reason: Mapped[str] = mapped_column(String(100), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    rejected_at: Mapped[datetime]


class PageState(Base):
    """What the crawler knows of a fetched URL: validators for conditional requests and when
    it was last fetched (the revisit policy's clock)."""

    __tablename__ = "page_states"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[int]
    fetched_at: Mapped[datetime]
    changed_at: Mapped[datetime]
    #: for a sitemap or feed: the article URLs it listed when last read in full (a run that
    #: gets a 304 counts them again: the items-drop alarm's quantity)
    listed: Mapped[int | None]
