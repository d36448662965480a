"""One measurement per process (so that peak RSS is its own): ``python -m bench.measure TASK``.

Tasks print one JSON object: ``rate`` (pages or items per second), ``unit``, ``count``,
``seconds`` and ``peak_rss_mb``. The orchestrator is ``python -m bench``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree
from w3lib.encoding import html_to_unicode

from khabar_crawler.extract import extract_article
from khabar_crawler.extract.markup import CONTENT_XPATHS
from khabar_crawler.extract.page import parse_html
from khabar_crawler.snapshot.manifest import Snapshot

if TYPE_CHECKING:  # the crawl's modules load only in the tasks that use them
    from bench.synthetic import SyntheticArticle
    from khabar_crawler.items import ArticleItem


def peak_rss_mb() -> float:
    """This process's peak resident set. On Linux ``ru_maxrss`` survives ``exec``: a child of
    an orchestrator that grew (building a 100k snapshot) would report the parent's peak, so
    the peak of this process's own memory map (``VmHWM``) is read instead."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def article_pages(directory: Path, count: int) -> list[tuple[str, str | None, bytes]]:
    pages = []
    for saved in Snapshot(directory):
        if "/news/" in saved.url and saved.status == 200:
            pages.append((saved.url, saved.header("Content-Type"), saved.body()))
            if len(pages) >= count:
                break
    return pages


FLOOR_QUERIES = tuple(
    etree.XPath(query)
    for query in (
        '//script[@type="application/ld+json"]/text()',
        "//head//meta[@content]",
        '//link[@rel="canonical"]/@href',
        "//h1",
        *CONTENT_XPATHS,
        "//p",
        "//figure//img",
        "//a/@href",
    )
)


def floor(url: str, content_type: str | None, body: bytes) -> Any:
    """The floor: decode, parse with lxml's HTML parser (as the extractor does) and find the
    nodes the extractor reads (metadata, headline, content containers, paragraphs, images,
    links), compiled once, nothing serialised: what any extractor of these fields must do."""
    _, text = html_to_unicode(content_type, body)
    root = parse_html(text)
    return [query(root) for query in FLOOR_QUERIES]


def ours(url: str, content_type: str | None, body: bytes) -> Any:
    _, text = html_to_unicode(content_type, body)
    return extract_article(text, url)


def trafilatura_extract(url: str, content_type: str | None, body: bytes) -> Any:
    import trafilatura

    _, text = html_to_unicode(content_type, body)
    return trafilatura.extract(text, url=url, with_metadata=True, output_format="json")


EXTRACTORS: dict[str, Callable[[str, str | None, bytes], Any]] = {
    "floor": floor,
    "ours": ours,
    "trafilatura": trafilatura_extract,
}


def interleaved(directory: Path, count: int, rounds: int = 10) -> dict[str, Any]:
    """The three extractors on the same pages, in turns: the pages are cut into ``rounds``
    slices and each slice goes through every extractor (in a rotating order) before the next.
    A shared machine's speed drifts (other tenants, CPU steal): measured one after the other,
    minutes apart, the extractors' ratio moved by 20%; in turns, every extractor sees the same
    drift."""
    pages = article_pages(directory, count)
    names = list(EXTRACTORS)
    for name in names:
        EXTRACTORS[name](*pages[0])  # imports and caches
    seconds = dict.fromkeys(names, 0.0)
    size = max(1, len(pages) // rounds)
    slices = [pages[i : i + size] for i in range(0, len(pages), size)]
    for turn, piece in enumerate(slices):
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            function = EXTRACTORS[name]
            started = time.perf_counter()
            for page in piece:
                function(*page)
            seconds[name] += time.perf_counter() - started
    rss = peak_rss_mb()
    return {
        name: {
            "rate": round(len(pages) / seconds[name], 1),
            "unit": "pages/s",
            "count": len(pages),
            "seconds": round(seconds[name], 2),
            "peak_rss_mb": rss,
        }
        for name in names
    }


def extraction(mode: str, directory: Path, count: int) -> dict[str, Any]:
    if mode == "interleaved":
        return interleaved(directory, count)
    pages = article_pages(directory, count)
    function = EXTRACTORS[mode]
    function(*pages[0])  # imports and caches
    started = time.perf_counter()
    for page in pages:
        function(*page)
    seconds = time.perf_counter() - started
    return {
        "rate": round(len(pages) / seconds, 1),
        "unit": "pages/s",
        "count": len(pages),
        "seconds": round(seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def crawl(
    mode: str, directory: Path, database_url: str | None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A replay of the snapshot through the real engine: ``ceiling`` (no extraction, no
    pipelines), ``extract`` (the project's spider, no item pipelines) or ``e2e`` (the spider
    and the pipelines into ``database_url``); ``overrides`` are settings set last."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from khabar_crawler.spiders.khabarayn import KhabaraynSpider

    class CeilingSpider(KhabaraynSpider):
        name = "khabarayn-ceiling"

        def parse_page(self, response: Any) -> Any:
            return iter(())

    settings = get_project_settings()
    settings.set("LOG_LEVEL", "ERROR")
    settings.set("TELNETCONSOLE_ENABLED", False)
    if mode == "ceiling":
        settings.set("ITEM_PIPELINES", {})
        spider: type[KhabaraynSpider] = CeilingSpider
    elif mode == "extract":
        settings.set("ITEM_PIPELINES", {})
        spider = KhabaraynSpider
    else:
        settings.set("DATABASE_URL", database_url)
        spider = KhabaraynSpider
    for name, value in (overrides or {}).items():
        settings.set(name, value)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    started = time.perf_counter()
    process.crawl(crawler, replay=str(directory))
    process.start()
    seconds = time.perf_counter() - started
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    if mode == "e2e":
        count = int(stats.get("khabar/store/new", 0) + stats.get("khabar/store/unchanged", 0))
    elif mode == "extract":
        count = int(stats.get("khabar/extract/article", 0))
    else:
        count = int(stats.get("response_received_count", 0))
    unit = "pages/s" if mode == "ceiling" else "items/s"
    return {
        "rate": round(count / seconds, 1),
        "unit": unit,
        "count": count,
        "seconds": round(seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
        "pages": int(stats.get("response_received_count", 0)),
    }


def synthetic_item(article: SyntheticArticle) -> ArticleItem:
    """The item the spider would extract from a synthetic article's page."""
    from khabar_crawler.items import ArticleItem

    return ArticleItem(
        url=article.url,
        canonical_url=article.url,
        article_id=article.article_id,
        title=article.title,
        summary=article.summary,
        category=article.category,
        tags=list(article.tags),
        published_at=article.published_at.isoformat(),
        authors=["خَبَرَيْن"],
        body=article.body,
        sections=[
            {"heading": heading, "paragraphs": [paragraph]}
            for heading, paragraph in zip(article.headings, article.paragraphs, strict=True)
        ],
        fetched_url=article.url,
        fetched_at=article.published_at.isoformat(),
    )


def storage(database_url: str, batch: int, count: int) -> dict[str, Any]:
    """The storage pipeline alone: cleaned, deduplicated items written in batches of ``batch``."""
    from scrapy import signals
    from scrapy.utils.test import get_crawler

    from bench.synthetic import Corpus
    from khabar_crawler.spiders.khabarayn import KhabaraynSpider
    from pipelines.clean import CleanPipeline
    from pipelines.dedupe import fingerprint
    from pipelines.store import StorePipeline

    crawler = get_crawler(
        KhabaraynSpider,
        {
            "DATABASE_URL": database_url,
            "EXTENSIONS_BASE": {},
            "EXTENSIONS": {"khabar_crawler.db.database.DatabaseExtension": 50},
            "KHABAR_STORE_BATCH_SIZE": batch,
            "KHABAR_STORE_FLUSH_SECONDS": 3600,
        },
    )
    spider = KhabaraynSpider.from_crawler(crawler)
    crawler.spider = spider
    clean = CleanPipeline.from_crawler(crawler)
    items = []
    for article in Corpus().articles(count):
        item = synthetic_item(article)
        clean.process_item(item)
        fingerprint(item)  # what dedupe notes for the store, without its database lookups
        items.append(item)
    store = StorePipeline.from_crawler(crawler)
    store.open_spider(spider)
    started = time.perf_counter()
    for item in items:
        store.process_item(item)
    store.close_spider(spider)
    seconds = time.perf_counter() - started
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")
    crawler.signals.send_catch_log(signals.engine_stopped)
    return {
        "rate": round(count / seconds, 1),
        "unit": "items/s",
        "count": count,
        "seconds": round(seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", choices=["extraction", "crawl", "storage"])
    parser.add_argument("--mode", default="")
    parser.add_argument("--snapshot", type=Path, default=None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        help="storage: one a batch size, in the order of --batch",
    )
    parser.add_argument(
        "--batch", default="100", help="storage: batch sizes, comma-separated (one after the other)"
    )
    args = parser.parse_args(argv)
    url = args.database_url[0] if args.database_url else None
    result: dict[str, Any]
    if args.task == "extraction":
        result = extraction(args.mode, args.snapshot, args.count)
    elif args.task == "crawl":
        result = crawl(args.mode, args.snapshot, url)
    else:
        batches = [int(b) for b in args.batch.split(",")]
        if len(batches) != len(args.database_url):
            parser.error("storage takes one --database-url a batch size")
        if len(batches) == 1:
            result = storage(url or "", batches[0], args.count)
        else:  # in turns, in one process: each batch size on its own database
            result = {
                str(batch): storage(database, batch, args.count)
                for batch, database in zip(batches, args.database_url, strict=True)
            }
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
