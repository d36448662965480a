"""The duplicate filter, safe for runs killed with a persistent JOBDIR, and the frontier's
read-only view of it for the spider.

It implements Scrapy's public duplicate-filter interface (``BaseDupeFilter``) over the
crawler's request fingerprints (canonical URLs, :mod:`khabar_crawler.frontier.fingerprint`)
rather than extending ``RFPDupeFilter``, whose set of fingerprints is private: the spider asks
whether a link was requested already (:class:`SeenUrls`) before it builds a request for it.

With ``JOBDIR``, the fingerprints seen are kept in ``requests.seen`` (one hex fingerprint a
line, as Scrapy's own filter keeps them). After a SIGKILL they also cover pages whose items
were never stored (still in the store's batch), and a resumed run would skip them for good. A
marker file in the job directory says a run is in progress; found at start-up (the last run did
not close), the saved fingerprints are dropped, so the resumed run rediscovers everything once.
The database stays the source of truth: the incremental middleware skips what is stored and
fresh, and the store never duplicates. An article URL first met as a plain link and skipped by
the incremental middleware as not due is met again, in the same run, by the sitemap's request
that says it changed: that request is let through once (:meth:`RecoveringDupeFilter.not_due`),
else an edit would wait for the next revisit; and when that request comes while the plain one
still waits in the queue, its reason is kept for the waiting one
(:meth:`RecoveringDupeFilter.reason_for`).

A paused run (Ctrl-C, SIGTERM, a ``CLOSESPIDER_*`` limit) closes cleanly and resumes with its
fingerprints (counted in ``khabar/frontier/resumed``: a resumed run does not read the site's
discovery again, and the items-drop alarm does not judge it). Any other end clears them: a run
that *finished*, or that failed (the site or the database stayed away) ended its job, and the
next run with the same ``JOBDIR`` (a scheduled crawl keeps one for every run) is a new crawl of
the site, not a resumed one that would filter every URL it ever saw.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO, Any, Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.statscollectors import StatsCollector
from scrapy.utils.job import job_dir
from scrapy.utils.request import RequestFingerprinterProtocol

from khabar_crawler.frontier.fingerprint import CanonicalRequestFingerprinter, url_fingerprint
from khabar_crawler.text.dates import parse_datetime

logger = logging.getLogger(__name__)
MARKER = "khabar-run-in-progress"
#: the file name (and format) of Scrapy's own duplicate filter, so a job paused before this
#: filter existed resumes with its fingerprints
SEEN_FILE = "requests.seen"


def pausing(reason: str) -> bool:
    """Whether a crawl that closed for ``reason`` is paused, to be resumed with its JOBDIR: a
    signal (``shutdown``) or a ``CLOSESPIDER_*`` limit; any other end is the job's end."""
    return reason == "shutdown" or reason.startswith("closespider_")


def has_reason(request: Request) -> bool:
    """Whether a request says why its page may have changed: a sitemap's or feed's date
    (``lastmod``), or the revisit policy (``khabar_revisit``)."""
    return bool(request.meta.get("lastmod") or request.meta.get("khabar_revisit"))


class RecoveringDupeFilter(BaseDupeFilter):
    def __init__(
        self,
        fingerprinter: RequestFingerprinterProtocol,
        path: str | None = None,
        *,
        stats: StatsCollector | None = None,
        debug: bool = False,
    ) -> None:
        self.fingerprinter = fingerprinter
        self.stats = stats
        self.debug = debug
        self.job_path = Path(path) if path else None
        self.recovered = False
        self.fingerprints: set[bytes] = set()
        #: fingerprints of requests the incremental middleware skipped as not due: a later
        #: request for the same URL that brings a reason to fetch is let through once
        self.skipped: set[bytes] = set()
        #: the reasons (``lastmod``, ``khabar_revisit``) of requests filtered as duplicates of
        #: a request still waiting: handed to that one when the incremental middleware sees it
        self.reasons: dict[bytes, dict[str, Any]] = {}
        self.file: IO[str] | None = None
        self.logged = False
        if self.job_path is not None:
            self._open_job(self.job_path)

    def _open_job(self, job_path: Path) -> None:
        marker, seen = job_path / MARKER, job_path / SEEN_FILE
        if marker.exists() and seen.exists():
            seen.unlink()
            self.recovered = True
            logger.warning(
                "The last run of job %s did not close (killed?): its seen requests are dropped "
                "and everything is rediscovered once",
                job_path,
            )
        job_path.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(os.getpid()))
        self.file = seen.open("a+", encoding="ascii")
        self.file.seek(0)
        self.fingerprints.update(bytes.fromhex(line) for line in self.file.read().split())
        if self.fingerprints and self.stats is not None:
            self.stats.set_value("khabar/frontier/resumed", len(self.fingerprints))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        dupefilter = cls(
            crawler.request_fingerprinter,
            job_dir(crawler.settings),
            stats=crawler.stats,
            debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
        )
        view = crawler.get_extension(SeenUrls)
        # the view fingerprints a URL without building its request: the same fingerprints only
        # with the project's fingerprinter
        if view is not None and isinstance(crawler.request_fingerprinter, CanonicalRequestFingerprinter):
            view.dupefilter = dupefilter
        return dupefilter

    def has_seen(self, fingerprint: bytes) -> bool:
        """Whether a request with this fingerprint was seen, without recording it."""
        return fingerprint in self.fingerprints

    def not_due(self, request: Request) -> None:
        """The incremental middleware skipped ``request`` (a stored article not due): a later
        request for its URL that says it changed (a sitemap's or feed's ``lastmod``) or is a
        revisit is not a duplicate (:func:`has_reason`)."""
        self.skipped.add(self.fingerprinter.fingerprint(request))

    def _keep_reason(self, fingerprint: bytes, request: Request) -> None:
        kept = self.reasons.setdefault(fingerprint, {})
        if request.meta.get("khabar_revisit"):
            kept["khabar_revisit"] = True
        new, old = parse_datetime(request.meta.get("lastmod")), parse_datetime(kept.get("lastmod"))
        if new is not None and (old is None or new > old):
            kept["lastmod"] = request.meta["lastmod"]

    def reason_for(self, request: Request) -> dict[str, Any]:
        """The reasons to fetch of the requests for this URL filtered while it waited (taken:
        asked once, by the incremental middleware)."""
        if not self.reasons:
            return {}
        return self.reasons.pop(self.fingerprinter.fingerprint(request), {})

    def request_seen(self, request: Request) -> bool:
        fingerprint = self.fingerprinter.fingerprint(request)
        if fingerprint in self.fingerprints:
            if has_reason(request):
                if fingerprint in self.skipped:
                    self.skipped.discard(fingerprint)
                    return False
                self._keep_reason(fingerprint, request)
            return True
        self.fingerprints.add(fingerprint)
        if self.file is not None:
            self.file.write(fingerprint.hex() + "\n")
        return False

    def log(self, request: Request, spider: Spider) -> None:
        """Count a filtered request; log the first one (all of them with DUPEFILTER_DEBUG)."""
        if self.debug or not self.logged:
            logger.debug("Filtered duplicate request: %s", request, extra={"spider": spider})
            self.logged = True
        if self.stats is not None:
            self.stats.inc_value("dupefilter/filtered")

    def close(self, reason: str) -> None:
        if self.file is not None:
            self.file.close()
        if self.job_path is None:
            return
        if not pausing(reason):
            (self.job_path / SEEN_FILE).unlink(missing_ok=True)
            if self.stats is not None:
                self.stats.set_value("khabar/frontier/job_reset", 1)
            logger.info(
                "Job %s ended (%s): its seen requests are cleared for the next run", self.job_path, reason
            )
        (self.job_path / MARKER).unlink(missing_ok=True)


class SeenUrls:
    """Extension: whether a URL was requested already, asked by the spider before it builds a
    request. Navigation, footer and card links repeat on every page, and building a request
    only for the duplicate filter to drop it costs more than the page's extraction (a replay
    of 200 articles extracts a quarter faster with this check).

    The duplicate filter is built by the scheduler, out of the spider's reach: it registers
    itself here (:meth:`RecoveringDupeFilter.from_crawler`), and the spider looks this
    extension up (``crawler.get_extension``). The filter stays the authority; nothing is
    remembered here. With another duplicate filter (scrapy-redis's), no URL counts as seen
    and every link becomes a request for that filter to judge.
    """

    def __init__(self) -> None:
        self.dupefilter: RecoveringDupeFilter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def __call__(self, url: str) -> bool:
        """Whether a GET request for ``url`` (a fetch URL) was seen by the duplicate filter."""
        return self.dupefilter is not None and self.dupefilter.has_seen(url_fingerprint(url))
