"""robots.txt rules for every request, not only the first ones (downloader middleware).

Scrapy 2.19's ``RobotsTxtMiddleware`` keeps one Deferred per host while its robots.txt is
being fetched, and every request that arrives meanwhile awaits that same Deferred. Awaiting
turns the Deferred into a Future (or an inlineCallbacks step) through a callback that returns
``None``: the first waiting request gets the parsed rules, every later one gets ``None``,
which the middleware reads as "no robots.txt" and lets through. A site answering
``Disallow: /`` still saw ``GET /feed/``. (The upstream report: ``robots-upstream.md`` in
issue 15's note.)

The work-around asks again when the answer was ``None``: by the time a waiting request
resumes the host's entry is settled (the rules, or ``None`` after a failed download), so the
second call answers at once, with no second download. ``robot_parser`` is a public method that
the parent's ``process_request`` awaits; tests/test_limits_robots.py pins that contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.robotstxt import RobotParser


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with the rules handed to every waiting request."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser: RobotParser | None = await super().robot_parser(request)
        if parser is None:
            # a request that waited on the shared Deferred behind another one: the host's
            # entry is settled now, and the parent returns it without waiting
            parser = await super().robot_parser(request)
        return parser
