"""Batched article writes: a batch of articles and rejected pages in one transaction.

A batch is decided first, then written:

1. **preload**, one query each: the stored articles the batch touches (by canonical URL,
   article id or content hash), the stored articles that share a SimHash band with one of
   its articles, the URL rows and the tags it names;
2. **decide**, item by item in order, against the stored rows and the batch's earlier items
   (rows not written yet): ``known`` (its canonical URL or article id is stored or earlier in
   the batch), ``alias`` (its content is, under another URL), else ``near_duplicate`` (a
   stored article or an earlier new one of the batch shares a SimHash band with it and
   reaches the threshold) or ``new``;
3. **insert** the new articles, one multi-row INSERT per table (articles, versions, tags,
   images, links, URLs, near duplicates): the one path of a new article;
4. **update** the rest: a known article has its last-seen time moved and, when its content
   hash or modified time changed, its new content and one more ``article_versions`` row; an
   alias adds a ``duplicate`` URL to its article; the changed articles' tags, images and links
   are replaced with one DELETE and one multi-row INSERT per table;
5. **record** the rejected pages;
6. **save the page states** the items and rejected pages carry (the validators of the pages
   they came from, :mod:`khabar_crawler.frontier.page_outcomes`): a page's state is never
   written without its outcome.

A URL gets one ``article_urls`` row; a URL already stored only has its last-seen time moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from khabar_crawler.db import models
from khabar_crawler.db.article_rows import article_row, image_rows, link_rows, version_row, when
from khabar_crawler.db.models import (
    Article,
    ArticleImage,
    ArticleLink,
    ArticleTag,
    ArticleUrl,
    ArticleVersion,
    NearDuplicate,
    Tag,
)
from khabar_crawler.db.page_states import write_page_states
from khabar_crawler.items import ArticleItem, NearDuplicateRef
from khabar_crawler.site import Site
from khabar_crawler.text.normalize import search_form
from khabar_crawler.text.simhash import bands, similarity, to_unsigned

#: what an item of the batch refers to: a stored article, or the canonical URL of an
#: article this batch inserts
Target = Article | str


@dataclass(frozen=True)
class Rejection:
    """A ``rejected_pages`` row to write."""

    url: str
    reason: str
    detail: str | None
    at: datetime
    #: the ``page_states`` row of the page rejected (live crawls), written with it
    page_state: dict[str, Any] | None = None


@dataclass(frozen=True)
class Written:
    """What became of an item: dedupe's final ``verdict`` (``new``, ``near_duplicate``,
    ``known``, ``alias``) and the store's ``outcome`` (``new``, ``updated``, ``unchanged``,
    ``alias``)."""

    verdict: str
    outcome: str


@dataclass
class _Decision:
    item: ArticleItem
    verdict: str
    target: Target | None = None  # None: a new article
    near: list[NearDuplicateRef] = field(default_factory=list)


def _table(model: type[models.Base]) -> Table:
    return cast(Table, model.__table__)


class BatchWrite:
    """One batch in one transaction (``session``): see the module. Use once."""

    def __init__(self, session: Session, run_id: int | None, site: Site, threshold: float) -> None:
        self.session = session
        self.run_id = run_id
        self.site = site
        self.threshold = threshold
        self.now = datetime.now(UTC)
        self._by_url: dict[str, Target] = {}
        self._by_id: dict[str, Target] = {}
        self._by_hash: dict[str, Target] = {}
        # stored articles and the batch's earlier new ones (canonical URL, SimHash) by
        # (band number, band): the candidates of near duplicates
        self._bands: dict[tuple[int, int], list[tuple[str, int]]] = {}
        self._url_rows: dict[str, ArticleUrl] = {}
        self._claimed: set[str] = set()  # URLs given a row by this batch
        self._tags: dict[str, Tag] = {}
        self._inserted: dict[str, int] = {}  # canonical URL -> id of the articles inserted
        # the stored articles whose content changed: their new versions, and by id their new
        # columns and the item whose tags, images and links replace theirs (the batch's last
        # reading of the article)
        self._versions: list[dict[str, Any]] = []
        self._changed: dict[int, dict[str, Any]] = {}
        self._replaced: dict[int, ArticleItem] = {}

    def write(self, items: list[ArticleItem], rejections: list[Rejection]) -> list[Written]:
        """Write the batch; what became of each item, in order."""
        outcomes: dict[int, str] = {}
        decisions: list[_Decision] = []
        if items:
            self._preload(items)
            decisions = [self._decide(item) for item in items]
            self._insert([d for d in decisions if d.target is None])
            rest = [d for d in decisions if d.target is not None]
            targets = self._load_inserted(rest)
            outcomes = {id(d): self._update(d, targets) for d in rest}
            self._replace_children()
        self._reject(rejections)
        states = [item.pipeline.page_state for item in items] + [r.page_state for r in rejections]
        write_page_states(self.session.connection(), [state for state in states if state])
        return [Written(d.verdict, outcomes.get(id(d), "new")) for d in decisions]

    # --- preload and decide ------------------------------------------------------------

    def _preload(self, items: list[ArticleItem]) -> None:
        """The stored articles, near-duplicate candidates, URL rows and tags the batch touches,
        one query each."""
        self._preload_articles(items)
        self._preload_bands(items)
        wanted = {url for item in items for url, _ in self._urls(item, "canonical")}
        rows = self.session.scalars(select(ArticleUrl).where(ArticleUrl.url.in_(wanted)))
        self._url_rows = {row.url: row for row in rows}
        names = {name for item in items for name in item.tags}
        if names:
            tags = self.session.scalars(select(Tag).where(Tag.name.in_(names)))
            self._tags = {tag.name: tag for tag in tags}

    def _preload_articles(self, items: list[ArticleItem]) -> None:
        """The stored articles with a canonical URL, article id or content hash of the batch;
        for an id or a hash, the oldest article that has it."""
        hashes = {item.pipeline.content_hash for item in items}
        condition: ColumnElement[bool] = or_(
            Article.canonical_url.in_({item.canonical_url for item in items}),
            Article.content_hash.in_(hashes),
        )
        ids = {item.article_id for item in items if item.article_id}
        if ids:
            condition = or_(condition, Article.article_id.in_(ids))
        for article in self.session.scalars(select(Article).where(condition).order_by(Article.id)):
            self._by_url[article.canonical_url] = article
            if article.article_id:
                self._by_id.setdefault(article.article_id, article)
            self._by_hash.setdefault(article.content_hash, article)

    def _preload_bands(self, items: list[ArticleItem]) -> None:
        """The stored articles that share a SimHash band with an article of the batch."""
        wanted: list[set[int]] = [set(), set(), set(), set()]
        for item in items:
            assert item.pipeline.simhash is not None
            for number, band in enumerate(bands(item.pipeline.simhash)):
                wanted[number].add(band)
        columns = (Article.simhash_band0, Article.simhash_band1, Article.simhash_band2, Article.simhash_band3)
        query = select(Article.canonical_url, Article.simhash).where(
            or_(*(column.in_(values) for column, values in zip(columns, wanted, strict=True)))
        )
        for url, value in self.session.execute(query):
            self._remember_bands(url, to_unsigned(value))

    def _remember_bands(self, url: str, value: int) -> None:
        for key in enumerate(bands(value)):
            self._bands.setdefault(key, []).append((url, value))

    def _decide(self, item: ArticleItem) -> _Decision:
        notes = item.pipeline
        assert notes.content_hash is not None
        same = self._by_url.get(item.canonical_url) or (self._by_id.get(item.article_id or ""))
        if same is not None:
            decision = _Decision(item, "known", same)
        elif notes.content_hash in self._by_hash:
            return _Decision(item, "alias", self._by_hash[notes.content_hash])  # remembered nowhere
        else:
            near = self._near(item)
            decision = _Decision(item, "near_duplicate" if near else "new", near=near)
        target = decision.target or item.canonical_url
        self._by_url.setdefault(item.canonical_url, target)
        if item.article_id:
            self._by_id.setdefault(item.article_id, target)
        self._by_hash.setdefault(notes.content_hash, target)
        return decision

    def _near(self, item: ArticleItem) -> list[NearDuplicateRef]:
        """The stored articles and the batch's earlier new ones that share a SimHash band with
        the article and reach the threshold; then the batch remembers this one."""
        value = item.pipeline.simhash
        assert value is not None
        found: dict[str, float] = {}
        for url, other in {pair for key in enumerate(bands(value)) for pair in self._bands.get(key, ())}:
            score = similarity(value, other)
            if url != item.canonical_url and score >= self.threshold:
                found[url] = round(score, 4)
        self._remember_bands(item.canonical_url, value)
        refs: list[NearDuplicateRef] = [{"url": url, "similarity": score} for url, score in found.items()]
        return sorted(refs, key=lambda ref: (-ref["similarity"], ref["url"]))

    # --- URLs and tags -------------------------------------------------------------------

    def _urls(self, item: ArticleItem, kind: str) -> list[tuple[str, str]]:
        """The article's URL (as ``kind``) and those it was fetched under, on the site's origin."""
        urls = [(item.canonical_url, kind)]
        urls += [(self.site.on_origin(u), "redirect") for u in item.redirect_urls]
        if item.fetched_url:
            urls.append((self.site.on_origin(item.fetched_url), "fetched"))
        return urls

    def _claim(self, urls: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """The ``(url, kind)`` pairs that need a new row: a stored URL has its last-seen time
        moved, and a URL gets one row in a batch."""
        fresh = []
        for url, kind in urls:
            row = self._url_rows.get(url)
            if row is not None:
                row.last_seen_at = self.now
            elif url not in self._claimed:
                self._claimed.add(url)
                fresh.append((url, kind))
        return fresh

    def _tag(self, name: str) -> Tag:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = Tag(name=name, name_search=search_form(name))
            self.session.add(tag)
        return tag

    # --- new articles --------------------------------------------------------------------

    def _insert(self, decisions: list[_Decision]) -> None:
        """The new articles, with one multi-row INSERT per table."""
        if not decisions:
            return
        self._claimed.update(d.item.canonical_url for d in decisions)  # a new article's own URL
        first = {"version": 1, "first_seen_at": self.now, "first_run_id": self.run_id}
        rows = [article_row(d.item, self.run_id, self.now) | first for d in decisions]
        table = _table(Article)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        pks = list(self.session.execute(statement, rows).scalars())
        tags = {name: self._tag(name) for d in decisions for name in d.item.tags}
        if any(tag.id is None for tag in tags.values()):
            self.session.flush()  # ids of the batch's new tags
        children: dict[type[models.Base], list[dict[str, Any]]] = {
            ArticleVersion: [],
            ArticleTag: [],
            ArticleImage: [],
            ArticleLink: [],
            ArticleUrl: [],
        }
        for d, pk, row in zip(decisions, pks, rows, strict=True):
            item = d.item
            self._inserted[item.canonical_url] = pk
            children[ArticleVersion].append(
                version_row(item, row, self.run_id, self.now) | {"article_pk": pk, "version": 1}
            )
            children[ArticleTag] += [
                {"article_pk": pk, "tag_id": tags[name].id, "position": i} for i, name in enumerate(item.tags)
            ]
            children[ArticleImage] += [{"article_pk": pk, **image} for image in image_rows(item)]
            children[ArticleLink] += [{"article_pk": pk, **link} for link in link_rows(item)]
            children[ArticleUrl] += self._new_url_rows(item, pk)
        children[NearDuplicate] = self._near_rows(decisions, pks)
        for model, values in children.items():
            if values:
                self.session.execute(insert(_table(model)), values)

    def _new_url_rows(self, item: ArticleItem, pk: int) -> list[dict[str, Any]]:
        """The URL rows of a new article: its own (already claimed), the others it was fetched
        under."""
        own, *seen = self._urls(item, "canonical")
        fresh = self._claim(seen)
        if own[0] in self._url_rows:
            self._url_rows[own[0]].last_seen_at = self.now
        else:
            fresh.insert(0, own)
        return [
            {"article_pk": pk, "url": url, "kind": kind, "first_seen_at": self.now, "last_seen_at": self.now}
            for url, kind in fresh
        ]

    def _near_rows(self, decisions: list[_Decision], pks: list[int]) -> list[dict[str, Any]]:
        """``near_duplicates`` rows of the new articles (their references found by URL)."""
        wanted = {ref["url"] for d in decisions for ref in d.near}
        ids = {url: pk for url, pk in self._inserted.items() if url in wanted}
        missing = wanted - ids.keys()
        if missing:
            found = select(Article.canonical_url, Article.id).where(Article.canonical_url.in_(missing))
            ids.update({url: pk for url, pk in self.session.execute(found)})
        return [
            {
                "article_pk": pk,
                "other_article_pk": ids[ref["url"]],
                "similarity": ref["similarity"],
                "run_id": self.run_id,
                "detected_at": self.now,
            }
            for d, pk in zip(decisions, pks, strict=True)
            for ref in d.near
            if ids.get(ref["url"]) not in (None, pk)
        ]

    # --- known articles and aliases ------------------------------------------------------

    def _load_inserted(self, decisions: list[_Decision]) -> dict[str, Article]:
        """The articles inserted by this batch that later items of it refer to, by URL."""
        urls = {d.target for d in decisions if isinstance(d.target, str)}
        if not urls:
            return {}
        pks = [self._inserted[url] for url in urls]
        return {a.canonical_url: a for a in self.session.scalars(select(Article).where(Article.id.in_(pks)))}

    def _update(self, decision: _Decision, inserted: dict[str, Article]) -> str:
        item, target = decision.item, decision.target
        article = inserted[target] if isinstance(target, str) else target
        assert article is not None
        article.last_seen_at = self.now
        article.gone_at = article.gone_run_id = None  # seen again: the page is back
        if decision.verdict == "alias":
            self._add_urls(article, self._urls(item, "duplicate"))
            return "alias"
        article.last_run_id = self.run_id
        if item.field_layers:  # the latest reading's layers, even when its content is unchanged
            article.field_layers = dict(item.field_layers)
        self._add_urls(article, self._urls(item, "canonical"))
        modified = when(item.modified_at)
        if article.content_hash == item.pipeline.content_hash and article.modified_at == modified:
            return "unchanged"
        self._apply(article, item)
        return "updated"

    def _add_urls(self, article: Article, urls: list[tuple[str, str]]) -> None:
        for url, kind in self._claim(urls):
            row = ArticleUrl(
                article=article, url=url, kind=kind, first_seen_at=self.now, last_seen_at=self.now
            )
            self.session.add(row)
            self._url_rows[url] = row

    def _apply(self, article: Article, item: ArticleItem) -> None:
        """Set a stored article's content from the item. Its row, new version and children are
        written for the whole batch (:meth:`_replace_children`): the values are set on the
        object as already written, so that the ORM writes none of them one article at a time."""
        values = article_row(item, self.run_id, self.now)
        row = values | {"gone_at": None, "gone_run_id": None, "version": article.version + 1}
        for column, value in row.items():
            set_committed_value(article, column, value)
        self._versions.append(
            version_row(item, values, self.run_id, self.now)
            | {"article_pk": article.id, "version": article.version}
        )
        self._changed[article.id] = row
        self._replaced[article.id] = item

    def _replace_children(self) -> None:
        """The changed articles' new versions; their tags, images and links replaced (the old
        ones deleted first: their (article, position) keys are reused), one statement a table."""
        if not self._replaced:
            return
        articles = _table(Article)
        columns = next(iter(self._changed.values())).keys()
        self.session.execute(
            update(articles)
            .where(articles.c.id == bindparam("pk"))
            .values({column: bindparam(f"new_{column}") for column in columns}),
            [{"pk": pk, **{f"new_{c}": v for c, v in row.items()}} for pk, row in self._changed.items()],
        )
        pks = list(self._replaced)
        for child in (ArticleTag, ArticleImage, ArticleLink):
            table = _table(child)
            self.session.execute(delete(table).where(table.c.article_pk.in_(pks)))
        tags = {name: self._tag(name) for item in self._replaced.values() for name in item.tags}
        if any(tag.id is None for tag in tags.values()):
            self.session.flush()  # ids of the batch's new tags
        children: dict[type[models.Base], list[dict[str, Any]]] = {
            ArticleVersion: self._versions,
            ArticleTag: [],
            ArticleImage: [],
            ArticleLink: [],
        }
        for pk, item in self._replaced.items():
            children[ArticleTag] += [
                {"article_pk": pk, "tag_id": tags[name].id, "position": i} for i, name in enumerate(item.tags)
            ]
            children[ArticleImage] += [{"article_pk": pk, **image} for image in image_rows(item)]
            children[ArticleLink] += [{"article_pk": pk, **link} for link in link_rows(item)]
        for model, values in children.items():
            if values:
                self.session.execute(insert(_table(model)), values)

    # --- rejected pages ------------------------------------------------------------------

    def _reject(self, rejections: list[Rejection]) -> None:
        if rejections:
            rows = [
                {
                    "url": r.url,
                    "reason": r.reason,
                    "detail": r.detail,
                    "run_id": self.run_id,
                    "rejected_at": r.at,
                }
                for r in rejections
            ]
            self.session.execute(insert(_table(models.RejectedPage)), rows)
