"""``scrapy crawl``, exiting with status 3 when the run breached an alarm (so that cron and
Scrapyd notice a run that finished but is broken); otherwise Scrapy's own command.

The verdict is read from the crawler's stats (``khabar/alarm/failed``, set by
:class:`khabar_crawler.runs.alarms.Alarms`): the command creates the crawler itself, through
the crawler process's public ``create_crawler``, so that it can read its stats once the crawl
is over. ``run`` is Scrapy's (2.19) otherwise: the same usage errors, spider arguments
(``-a``), feeds (``-o``/``-O``, set on the settings by ``process_options``) and exit status 1
when the crawl could not start. (Scrapy's own command also warns when feeds are set while the
FeedExporter extension is off; that warning hangs on a private hook and is left out: the
project never switches the FeedExporter off.)
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from khabar_crawler.runs.alarms import EXIT_STATUS, breached


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif breached(crawler.stats):
            self.exitcode = EXIT_STATUS
