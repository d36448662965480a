"""Run the project's item pipelines, in ITEM_PIPELINES order, the way Scrapy's engine and
scraper do: through a crawler from ``scrapy.utils.test.get_crawler``, with real signals, stats
and the extensions of a run's life (the shared database, the alarms, the run record)."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, func, select

from khabar_crawler import settings as project_settings
from khabar_crawler.db.models import Base
from khabar_crawler.runs.record import RunRecord
from khabar_crawler.spiders.khabarayn import KhabaraynSpider

#: the project's extensions a run of the pipelines has (with their priorities)
RUN_EXTENSIONS = {
    path: project_settings.EXTENSIONS[path]
    for path in (
        "khabar_crawler.db.database.DatabaseExtension",
        "khabar_crawler.runs.alarms.Alarms",
        "khabar_crawler.runs.record.RunRecord",
    )
}


class PipelineRun:
    def __init__(self, database_url: str, **settings: Any) -> None:
        self.crawler = get_crawler(
            # no built-in extensions: nothing here runs a reactor for their timers
            KhabaraynSpider,
            {
                "DATABASE_URL": database_url,
                "EXTENSIONS_BASE": {},
                "EXTENSIONS": RUN_EXTENSIONS,
                "ITEM_PIPELINES": project_settings.ITEM_PIPELINES,
                **settings,
            },
        )
        self.spider = KhabaraynSpider.from_crawler(self.crawler)
        self.crawler.spider = self.spider
        order = sorted(project_settings.ITEM_PIPELINES.items(), key=lambda kv: kv[1])
        self.pipelines = [load_object(path).from_crawler(self.crawler) for path, _ in order]
        for pipeline in self.pipelines:
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider(self.spider)
        # as the engine: the pipelines are open when spider_opened is sent
        self.crawler.signals.send_catch_log(signals.spider_opened, spider=self.spider)

    @property
    def run_id(self) -> int | None:
        """The ``crawl_runs`` id of this run."""
        record = self.crawler.get_extension(RunRecord)
        return record.run_id if record is not None else None

    @property
    def stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        return stats

    def feed(self, *items: Any) -> list[Any]:
        """Pass items through the pipelines; return those that came out (not dropped). Each
        item stands for a page the crawl fetched (``response_received_count``)."""
        out = []
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("response_received_count", len(items))
        for item in items:
            try:
                for pipeline in self.pipelines:
                    item = pipeline.process_item(item)
            except DropItem as exc:
                self.crawler.signals.send_catch_log(
                    signals.item_dropped, item=item, response=None, exception=exc, spider=self.spider
                )
            else:
                out.append(item)
        return out

    def close(self, reason: str = "finished") -> None:
        for pipeline in reversed(self.pipelines):
            if hasattr(pipeline, "close_spider"):
                pipeline.close_spider(self.spider)
        self.crawler.signals.send_catch_log(signals.spider_closed, spider=self.spider, reason=reason)
        self.crawler.signals.send_catch_log(signals.engine_stopped)  # the database is disposed


def run_pipelines(database_url: str, *items: Any, **settings: Any) -> PipelineRun:
    run = PipelineRun(database_url, **settings)
    run.feed(*items)
    run.close()
    return run


def table_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in sorted(Base.metadata.tables.items())
            }
    finally:
        engine.dispose()


def rows(database_url: str, query: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(query))
    finally:
        engine.dispose()
