"""``scrapy crawl``, exiting with status 3 when a run breached an alarm (so that cron and
Scrapyd notice a run that finished but is broken); otherwise Scrapy's own command."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

from khabar_crawler.runs import alarms


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if alarms.BREACHED and not self.exitcode:
            self.exitcode = alarms.EXIT_STATUS
