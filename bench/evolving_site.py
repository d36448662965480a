"""A synthetic khabarayn site that changes on a simulated clock, served on loopback.

    site = EvolvingSite(Evolution(initial=200, new_per_day=10), seed=2024)
    site.start()                        # http://127.0.0.1:<port>, for KHABARAYN_BASE_URL
    ...crawl...                         # day 0: the initial articles
    site.advance_day()                  # day 1: new articles, edits, removals
    site.advance_day(breakage="theme_change")
    site.stop()

State lives in memory and every page is rendered from it on request (the fixture template of
``fixtures/generate.py``, the synthetic articles of :mod:`bench.synthetic` and
:func:`bench.snapshot.article_source`), so the site changes between runs without a snapshot
directory. Everything is deterministic from the seed.

**The clock.** Simulated day ``d`` is ``start + d days`` (``start`` fixed, in the past): the
initial articles were published in the months before ``start``, day ``d``'s new articles
during day ``d``, an edit of day ``d`` carries a modification time of day ``d``. The crawler's
own clock stays the real one, so every simulated date is in its past.

**Each day** (:meth:`EvolvingSite.advance_day`):

- ``new_per_day`` articles are published: listed first on the home page and their category's
  listing (pagination shifts), in the news sitemap (the last two days), the RSS feed (latest
  20) and the last post sitemap, each entry with its ``lastmod``; the sitemap index carries
  each post sitemap's latest ``lastmod``;
- ``edit_share`` of the live articles published before that day get a new text (a paragraph
  added) and a new modification time (page metadata, JSON-LD, sitemap ``lastmod``,
  ``Last-Modified``);
- ``removal_share`` of them are removed: 404 or 410 (alternately, by article number), gone
  from the sitemaps, listings and feed;
- with ``burst_probability`` (never on day 0 nor on a day with a breakage) a burst of 500s:
  ``burst_share`` of the article pages answer 500 until the next day.

**Breakages** (one a day, for alarm tests; ``advance_day(breakage=...)``, or ``day0_breakage``):
``unreachable`` (the server is stopped until the next day), ``theme_change`` (the article body
in a ``post-body-text`` container without ``itemprop``: the generic layer still reads it,
the site profile does not), ``bot_challenges`` (``challenge_share`` of the HTML pages answer
200 with a Cloudflare-style challenge page), ``sitemap_half`` (the odd-numbered half of the
articles gone from the sitemaps, listings and feed; their pages still answer), and
``coverage_drop`` (dates removed from the article pages: no ``time``, metas or JSON-LD dates).

Every page has an ETag (a hash of its body) and a Last-Modified; If-None-Match (else
If-Modified-Since) answers 304. The server logs every request by day, kind and status
(:meth:`EvolvingSite.requests`).
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit

from bench.snapshot import article_source
from bench.synthetic import CATEGORIES, Corpus
from fixtures.generate import HTML, article_page, listing_page, load_site, robots_txt, rss_feed

#: simulated day 0 (a fixed date in the crawler's past)
START = datetime(2026, 1, 1, tzinfo=UTC)
#: injected breakages, for alarm tests
BREAKAGES = ("unreachable", "theme_change", "bot_challenges", "sitemap_half", "coverage_drop")
#: category slugs, in the order of :data:`bench.synthetic.CATEGORIES`
CATEGORY_SLUGS = ("asia", "world", "politics", "economy", "sports", "technology", "health", "business")
#: an article page's path: ``/news/<id>/synthetic-<number>/``
ARTICLE_PATH = re.compile(r"^/news/(\d+)/[^/]+/$")
_POST_SITEMAP = re.compile(r"^/post-sitemap(\d*)\.xml$")
_HOME_PAGE = re.compile(r"^/(?:page/(\d+)/)?$")
_CATEGORY_PAGE = re.compile(r"^/category/([a-z]+)/(?:page/(\d+)/)?$")
#: the body container the fixture template writes, and what a theme change makes of it
PROFILE_CONTAINER = b'<div class="entry-content" itemprop="articleBody">'
CHANGED_CONTAINER = b'<div class="post-body-text">'
CHALLENGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b'<div id="cf-chl-widget"><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1">'
    b"</script>Checking your browser before accessing the site.</div></body></html>\n"
)
FEED_SIZE = 20
#: the news sitemap lists the articles of the last two days
NEWS_DAYS = 2
ID_BASE = 100000


@dataclass(frozen=True)
class Evolution:
    """How the site changes: its size, and what happens each day."""

    initial: int = 200
    new_per_day: int = 10
    edit_share: float = 0.05
    removal_share: float = 0.01
    burst_probability: float = 0.1
    #: share of the article pages answering 500 during a burst
    burst_share: float = 0.1
    #: share of the HTML pages answering a challenge on a ``bot_challenges`` day
    challenge_share: float = 0.5
    listing_size: int = 20
    sitemap_size: int = 1000


@dataclass
class Story:
    """One article's life on the site."""

    number: int
    published: datetime
    #: the day it appeared (0 for the initial articles)
    day: int
    #: days of its edits, oldest first
    edits: list[int] = field(default_factory=list)
    #: the modification time each edit gave it
    edit_times: list[datetime] = field(default_factory=list)
    modified: datetime | None = None
    removed_day: int | None = None

    @property
    def article_id(self) -> str:
        return str(ID_BASE + self.number)

    @property
    def path(self) -> str:
        return f"/news/{self.article_id}/synthetic-{self.number}/"

    @property
    def last_modified(self) -> datetime:
        return self.modified or self.published

    @property
    def gone_status(self) -> int:
        """What the page answers once removed: 410 for even numbers, 404 for odd ones."""
        return 410 if self.number % 2 == 0 else 404


@dataclass(frozen=True)
class DayChanges:
    """What one :meth:`EvolvingSite.advance_day` did (article ids)."""

    day: int
    new: tuple[str, ...]
    edited: tuple[str, ...]
    removed: tuple[str, ...]
    #: article ids answering 500 for the day (a burst), empty on most days
    server_errors: tuple[str, ...]
    breakage: str | None


def _stable_share(key: str, share: float) -> bool:
    """Whether ``key`` is in a deterministic ``share`` of all keys (a hash, no RNG state)."""
    digest = hashlib.sha1(key.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class EvolvingSite:
    """The site's state on the simulated clock, and its HTTP server (see the module)."""

    def __init__(
        self,
        evolution: Evolution | None = None,
        seed: int = 2024,
        start: datetime = START,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.evolution = evolution or Evolution()
        self.seed = seed
        self.start_date = start
        self.day = 0
        self.breakage: str | None = None
        self.corpus = Corpus(seed)
        self.site = load_site()
        self.origin: str = self.site["origin"]
        self.stories: dict[int, Story] = {}
        self.changes: list[DayChanges] = []
        self._server_errors: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self._log: dict[int, Counter[tuple[str, int]]] = {}
        self._errors_answered: dict[int, set[str]] = {}
        self._cache: dict[str, tuple[int, dict[str, str], bytes]] = {}
        #: per day state: the listed articles, newest first (all, and by category)
        self._listed_now: dict[str, list[Story]] = {}
        #: title, summary and category of each article (the corpus makes whole articles)
        self._meta: dict[int, tuple[str, str, str]] = {}
        self._address = (host, port)
        self._server: _Server | None = None
        #: started (and not stopped) by the caller: served unless the site is unreachable
        self._serving = False
        initial = self.evolution.initial
        # the initial articles: one every 3 hours before the start, the newest last
        for number in range(initial):
            published = start - timedelta(hours=3 * (initial - number)) + timedelta(minutes=number % 60)
            self.stories[number] = Story(number, published, 0)
        self.changes.append(
            DayChanges(0, tuple(self.stories[n].article_id for n in range(initial)), (), (), (), None)
        )

    # --- the clock ---------------------------------------------------------------------------

    def moment(self, day: int, minutes: int = 0) -> datetime:
        """The real timestamp of ``minutes`` into simulated ``day``."""
        return self.start_date + timedelta(days=day, minutes=minutes)

    def advance_day(self, breakage: str | None = None) -> DayChanges:
        """Move to the next day: new articles, edits, removals, maybe a burst of 500s; and
        ``breakage`` (one of :data:`BREAKAGES`) for that day only."""
        if breakage is not None and breakage not in BREAKAGES:
            raise ValueError(f"unknown breakage {breakage!r}: one of {', '.join(BREAKAGES)}")
        self.day += 1
        day = self.day
        rng = random.Random(self.seed * 7919 + day)
        evolution = self.evolution
        older = [story for story in self.stories.values() if story.removed_day is None]
        edited = rng.sample(older, min(len(older), round(evolution.edit_share * len(older))))
        for index, story in enumerate(edited):
            story.edits.append(day)
            story.modified = self.moment(day, 8 * 60 + index)
            story.edit_times.append(story.modified)
        candidates = [story for story in older if story not in edited]
        removed = rng.sample(candidates, min(len(candidates), round(evolution.removal_share * len(older))))
        for story in removed:
            story.removed_day = day
        first = len(self.stories)
        new = []
        for offset in range(evolution.new_per_day):
            number = first + offset
            published = self.moment(day, 6 * 60 + offset * (16 * 60 // max(evolution.new_per_day, 1)))
            self.stories[number] = story = Story(number, published, day)
            new.append(story)
        burst = breakage is None and rng.random() < evolution.burst_probability
        errors: tuple[str, ...] = ()
        if burst:
            errors = tuple(
                story.article_id
                for story in self.stories.values()
                if story.removed_day is None
                and _stable_share(f"500:{day}:{story.number}", evolution.burst_share)
            )
        changes = DayChanges(
            day,
            tuple(s.article_id for s in new),
            tuple(s.article_id for s in edited),
            tuple(s.article_id for s in removed),
            errors,
            breakage,
        )
        self.changes.append(changes)
        self._set_day_state(frozenset(errors), breakage)
        return changes

    def set_breakage(self, breakage: str | None) -> None:
        """Inject ``breakage`` for the current day (e.g. on day 0), or clear it."""
        if breakage is not None and breakage not in BREAKAGES:
            raise ValueError(f"unknown breakage {breakage!r}: one of {', '.join(BREAKAGES)}")
        self._set_day_state(self._server_errors, breakage)

    def _set_day_state(self, errors: frozenset[str], breakage: str | None) -> None:
        with self._lock:
            self._cache.clear()
            self._listed_now = {}
            self._server_errors = errors
            self.breakage = breakage
        if breakage == "unreachable":
            self._stop_server()
        elif self._serving:
            self._start_server()

    # --- what the site holds -----------------------------------------------------------------

    def live_ids(self) -> frozenset[str]:
        """Article ids whose pages answer (removed ones excluded)."""
        return frozenset(s.article_id for s in self.stories.values() if s.removed_day is None)

    def published_ids(self, through_day: int | None = None) -> frozenset[str]:
        """Article ids published on or before ``through_day`` (default: today), removed or not."""
        last = self.day if through_day is None else through_day
        return frozenset(s.article_id for s in self.stories.values() if s.day <= last)

    def edited(self) -> dict[str, int]:
        """Live articles edited, with the day of their last edit."""
        return {s.article_id: s.edits[-1] for s in self.stories.values() if s.edits and s.removed_day is None}

    def removed(self) -> dict[str, int]:
        """Removed articles, with the day of their removal."""
        return {s.article_id: s.removed_day for s in self.stories.values() if s.removed_day is not None}

    def discovery_pages(self) -> int:
        """Pages a full discovery reads today: robots.txt, the sitemap index, post sitemaps,
        news sitemap, feed, and the home and category listings with their pagination."""
        listed = self._listed()
        size = self.evolution.listing_size
        pages = 4 + len(self._sitemaps()) + max(1, -(-len(listed) // size))
        for name in CATEGORIES:
            pages += max(1, -(-len(self._listed(name)) // size))
        return pages

    def story(self, article_id: str) -> Story:
        return self.stories[int(article_id) - ID_BASE]

    def requests(self, day: int | None = None) -> Counter[tuple[str, int]]:
        """Requests answered on ``day`` (default: today), by ``(kind, status)``; kinds:
        robots, sitemap, feed, listing, article, ``article?query`` (an article page under a
        URL with a query), other."""
        with self._lock:
            return Counter(self._log.get(self.day if day is None else day, Counter()))

    def server_errors_answered(self, day: int | None = None) -> frozenset[str]:
        """Article ids that answered 500 on ``day`` (default: today)."""
        with self._lock:
            return frozenset(self._errors_answered.get(self.day if day is None else day, set()))

    # --- the server --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, for ``-s KHABARAYN_BASE_URL=...`` (stable across a
        stop for ``unreachable``)."""
        host, port = self._address
        return f"http://{host}:{port}"

    def start(self) -> None:
        """Serve on loopback (the port stays the same for the site's life)."""
        self._serving = True
        if self.breakage != "unreachable":
            self._start_server()

    def stop(self) -> None:
        self._serving = False
        self._stop_server()

    def _start_server(self) -> None:
        if self._server is None:
            self._server = _Server(self, self._address)
            self._address = self._server.server_address[:2]  # type: ignore[assignment]
            threading.Thread(target=self._server.serve_forever, name="evolving-site", daemon=True).start()

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> EvolvingSite:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- rendering ---------------------------------------------------------------------------

    def _listed(self, category: str = "") -> list[Story]:
        """Live articles in discovery (sitemaps, listings, feed), newest first; of one
        ``category`` when given. Computed once per day state."""
        listed = self._listed_now.get(category)
        if listed is None:
            if category:
                listed = [s for s in self._listed() if self.meta(s.number)[2] == category]
            else:
                stories = [s for s in self.stories.values() if s.removed_day is None]
                if self.breakage == "sitemap_half":
                    stories = [s for s in stories if s.number % 2 == 0]
                listed = sorted(stories, key=lambda s: (s.published, s.number), reverse=True)
            self._listed_now[category] = listed
        return listed

    def meta(self, number: int) -> tuple[str, str, str]:
        """``(title, summary, category)`` of article ``number``."""
        found = self._meta.get(number)
        if found is None:
            article = self.corpus.article(number)
            found = self._meta[number] = (article.title, article.summary, article.category)
        return found

    def _url(self, story: Story) -> str:
        return self.origin + story.path

    def _record(self, story: Story) -> dict[str, Any]:
        article = self.corpus.article(story.number)
        links = self.evolution.initial if story.number < self.evolution.initial else story.number
        record = article_source(article, self.corpus, links)
        record["category_slug"] = CATEGORY_SLUGS[CATEGORIES.index(article.category)]
        record["published"] = _iso(story.published)
        record["modified"] = _iso(story.last_modified)
        for edit in story.edits:
            record["blocks"] = [*record["blocks"], {"type": "p", "text": self.edit_text(story, edit)}]
        return record

    def edit_text(self, story: Story, day: int) -> str:
        """The paragraph an edit on ``day`` added to the article's text."""
        rng = random.Random(self.seed * 31 + story.number * 1009 + day)
        return "تحديث: " + " ".join(self.corpus._sentence(rng, 10, 20) + "." for _ in range(2))

    def _article(self, story: Story) -> bytes:
        record = self._record(story)
        if self.breakage == "coverage_drop":
            record["published"] = record["modified"] = ""
        charset = "windows-1256" if story.number % 10 == 9 else "utf-8"
        body = article_page(record, self.site, charset=charset)
        if self.breakage == "theme_change":
            body = body.replace(PROFILE_CONTAINER, CHANGED_CONTAINER)
        return body

    def _card(self, story: Story) -> dict[str, Any]:
        title, summary, category = self.meta(story.number)
        return {
            "href": story.path,
            "title": title,
            "teaser": summary,
            "category": category,
            "image": f"/wp-content/uploads/thumbs/{story.number}.jpg",
            "alt": "",
        }

    def _listing(
        self, stories: list[Story], page: int, base: str, heading: str, body_class: str
    ) -> bytes | None:
        size = self.evolution.listing_size
        chunk = stories[(page - 1) * size : page * size]
        if page > 1 and not chunk:
            return None
        canonical = self.origin + (base if page == 1 else f"{base}page/{page}/")
        next_url = f"{self.origin}{base}page/{page + 1}/" if page * size < len(stories) else None
        return listing_page(
            self.site,
            title=heading,
            description="",
            heading=heading,
            canonical=canonical,
            cards=[self._card(s) for s in chunk],
            body_class=body_class,
            next_url=next_url,
        )

    def _sitemaps(self) -> list[list[Story]]:
        """The post sitemaps' articles: oldest first, ``sitemap_size`` a file."""
        stories = self._listed()[::-1]
        size = self.evolution.sitemap_size
        return [stories[i : i + size] for i in range(0, len(stories), size)] or [[]]

    def _urlset(self, stories: list[Story], news: bool) -> bytes:
        entries = []
        for story in stories:
            loc = self.origin + quote(story.path)
            extra = ""
            if news:
                title = self.meta(story.number)[0]
                extra = (
                    f"<news:news><news:publication><news:name>{self.site['name']}</news:name><news:language>ar"
                    f"</news:language></news:publication><news:publication_date>{_iso(story.published)}"
                    f"</news:publication_date><news:title>{title}</news:title></news:news>"
                )
            entries.append(
                f"<url><loc>{loc}</loc><lastmod>{_iso(story.last_modified)}</lastmod>{extra}</url>\n"
            )
        namespaces = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if news:
            namespaces += ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {namespaces}>\n'
            + "".join(entries)
            + "</urlset>\n"
        ).encode()

    def _sitemap_index(self) -> bytes:
        entries = []
        for index, chunk in enumerate(self._sitemaps(), start=1):
            name = "post-sitemap.xml" if index == 1 else f"post-sitemap{index}.xml"
            lastmod = max((s.last_modified for s in chunk), default=self.moment(self.day))
            entries.append(
                f"<sitemap><loc>{self.origin}/{name}</loc><lastmod>{_iso(lastmod)}</lastmod></sitemap>\n"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(entries)
            + "</sitemapindex>\n"
        ).encode()

    def render(self, path: str) -> tuple[str, int, dict[str, str], bytes]:
        """``(kind, status, headers, body)`` of a request for ``path`` (query ignored)."""
        path = urlsplit(path).path
        kind, status, headers, body = self._render(path)
        challenged = kind in ("article", "listing") and self.breakage == "bot_challenges" and status == 200
        if challenged and _stable_share(f"challenge:{self.day}:{path}", self.evolution.challenge_share):
            return kind, 200, {"Content-Type": HTML}, CHALLENGE_PAGE
        return kind, status, headers, body

    def _render(self, path: str) -> tuple[str, int, dict[str, str], bytes]:
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None:
            return (_kind(path), *cached)
        kind = _kind(path)
        status, headers, body = self._page(kind, path)
        if status == 200:
            headers.setdefault("ETag", '"' + hashlib.sha1(body).hexdigest()[:20] + '"')
        with self._lock:
            self._cache[path] = (status, headers, body)
        return kind, status, headers, body

    def _page(self, kind: str, path: str) -> tuple[int, dict[str, str], bytes]:
        xml = "application/xml; charset=UTF-8"
        today = format_datetime(self.moment(self.day, 23 * 60), usegmt=True)
        not_found = (404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n")
        if kind == "robots":
            return 200, {"Content-Type": "text/plain; charset=UTF-8"}, robots_txt(self.site)
        if kind == "article":
            match = ARTICLE_PATH.match(path)
            assert match is not None
            story = self.stories.get(int(match.group(1)) - ID_BASE)
            if story is None or path != story.path:
                return not_found
            if story.removed_day is not None:
                return story.gone_status, {"Content-Type": "text/plain; charset=utf-8"}, b"gone\n"
            if story.article_id in self._server_errors:
                return 500, {"Content-Type": "text/plain; charset=utf-8"}, b"internal server error\n"
            content_type = HTML if story.number % 10 != 9 else "text/html"
            modified = format_datetime(story.last_modified.astimezone(UTC), usegmt=True)
            return 200, {"Content-Type": content_type, "Last-Modified": modified}, self._article(story)
        if kind == "sitemap":
            if path == "/sitemap_index.xml":
                return 200, {"Content-Type": xml, "Last-Modified": today}, self._sitemap_index()
            if path == "/news-sitemap.xml":
                since = self.moment(self.day + 1 - NEWS_DAYS)
                recent = [s for s in self._listed() if s.published >= since]
                return 200, {"Content-Type": xml, "Last-Modified": today}, self._urlset(recent, news=True)
            match = _POST_SITEMAP.match(path)
            chunks = self._sitemaps()
            index = int(match.group(1) or 1) if match else 0
            if not 1 <= index <= len(chunks):
                return not_found
            return (
                200,
                {"Content-Type": xml, "Last-Modified": today},
                self._urlset(chunks[index - 1], news=False),
            )
        if kind == "feed":
            records = [self._record(s) for s in self._listed()[:FEED_SIZE]]
            body = rss_feed(self.site, records)
            return 200, {"Content-Type": "application/rss+xml; charset=UTF-8", "Last-Modified": today}, body
        if kind == "listing":
            body_or_none = self._listing_page(path)
            if body_or_none is None:
                return not_found
            return 200, {"Content-Type": HTML, "Last-Modified": today}, body_or_none
        return not_found

    def _listing_page(self, path: str) -> bytes | None:
        home = _HOME_PAGE.match(path)
        if home:
            return self._listing(self._listed(), int(home.group(1) or 1), "/", "الأخبار", "home blog")
        category = _CATEGORY_PAGE.match(path)
        if category is None or category.group(1) not in CATEGORY_SLUGS:
            return None
        slug = category.group(1)
        name = CATEGORIES[CATEGORY_SLUGS.index(slug)]
        return self._listing(
            self._listed(name),
            int(category.group(2) or 1),
            f"/category/{slug}/",
            name,
            f"archive category category-{slug}",
        )

    def _log_request(self, kind: str, status: int, path: str) -> None:
        if kind == "article" and urlsplit(path).query:
            kind = "article?query"  # the same page under another URL (related links' utm_source)
        with self._lock:
            self._log.setdefault(self.day, Counter())[(kind, status)] += 1
            if status == 500:
                match = ARTICLE_PATH.match(urlsplit(path).path)
                if match:
                    self._errors_answered.setdefault(self.day, set()).add(match.group(1))


def _kind(path: str) -> str:
    if path == "/robots.txt":
        return "robots"
    if path.endswith(".xml"):
        return "sitemap"
    if path == "/feed/":
        return "feed"
    if ARTICLE_PATH.match(path):
        return "article"
    if _HOME_PAGE.match(path) or _CATEGORY_PAGE.match(path):
        return "listing"
    return "other"


def _not_modified(request: BaseHTTPRequestHandler, headers: dict[str, str]) -> bool:
    """If-None-Match against the ETag, else If-Modified-Since against Last-Modified."""
    wanted = request.headers.get("If-None-Match")
    etag = headers.get("ETag")
    if wanted is not None:
        return etag is not None and etag in [tag.strip() for tag in wanted.split(",")]
    since, modified = request.headers.get("If-Modified-Since"), headers.get("Last-Modified")
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: EvolvingSite, address: tuple[str, int]) -> None:
        self.site = site
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a crawl killed mid-request
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _answer(self, with_body: bool) -> None:
        site = self.server.site
        kind, status, headers, body = site.render(self.path)
        if status == 200 and _not_modified(self, headers):
            status, body = 304, b""
            headers = {name: value for name, value in headers.items() if name in ("ETag", "Last-Modified")}
        site._log_request(kind, status, self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server API)
        pass
