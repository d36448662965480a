"""Scale-out: the Redis add-on's settings, the job's key expiry, and two crawler processes
sharing one Redis frontier and one PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from khabar_crawler import settings as project_settings
from khabar_crawler.db.models import Article, ArticleVersion
from khabar_crawler.frontier.redis import ExpireJobKeys, RedisFrontier
from khabar_crawler.spiders.khabarayn import KhabaraynSpider
from tests.helpers import SNAPSHOT, read_outputs, start_crawl
from tests.pipeline_run import rows
from tests.test_incremental import LOCAL, Mirror

REDIS_URL = os.environ.get("KHABAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # any failure to connect means: not available
        problem = f"Redis at {REDIS_URL} is not available ({type(exc).__name__}: {exc})"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{problem}; CI must run the Redis tests")
        pytest.skip(problem)
    yield REDIS_URL


def crawler(**settings: Any) -> Crawler:
    """A crawler with the project's add-ons and frontier lines, and no built-in extensions."""
    return get_crawler(
        KhabaraynSpider,
        {
            "ADDONS": project_settings.ADDONS,
            "SCHEDULER": project_settings.SCHEDULER,
            "DUPEFILTER_CLASS": project_settings.DUPEFILTER_CLASS,
            "EXTENSIONS_BASE": {},
            **settings,
        },
    )


def test_the_project_enables_the_add_on() -> None:
    assert crawler().get_addon(RedisFrontier) is not None


def test_without_redis_the_frontier_stays_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert crawler().settings["SCHEDULER"] == project_settings.SCHEDULER


def test_redis_url_moves_the_frontier_to_redis() -> None:
    assert crawler(REDIS_URL=REDIS_URL).settings["SCHEDULER"] == "scrapy_redis.scheduler.Scheduler"


def test_redis_url_from_the_environment_moves_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    assert crawler().settings["DUPEFILTER_CLASS"] == "khabar_crawler.frontier.redis.CanonicalRFPDupeFilter"


def test_the_job_names_the_keys() -> None:
    settings = crawler(REDIS_URL=REDIS_URL, KHABAR_JOB="j1").settings
    assert (settings["SCHEDULER_QUEUE_KEY"], settings["SCHEDULER_DUPEFILTER_KEY"]) == (
        "%(spider)s:j1:requests",
        "%(spider)s:j1:dupefilter",
    )


def test_the_keys_expire_when_a_process_closes(redis_url: str) -> None:
    import redis

    made = crawler(REDIS_URL=redis_url, KHABAR_JOB=f"test-{uuid.uuid4().hex[:8]}", KHABAR_REDIS_KEY_TTL=60)
    extension = made.get_extension(ExpireJobKeys)
    assert extension is not None
    server = redis.Redis.from_url(redis_url)
    for key in extension.job_keys():
        server.sadd(key, "x")
    made.signals.send_catch_log(signals.spider_closed, spider=Spider("s"), reason="finished")
    ttls = [server.ttl(key) for key in extension.job_keys()]
    server.delete(*extension.job_keys())
    assert [0 < ttl <= 60 for ttl in ttls] == [True, True]


@pytest.mark.e2e
def test_two_processes_store_each_article_once(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    mirror = Mirror(SNAPSHOT, delay=0.3)
    job = f"test-{uuid.uuid4().hex[:8]}"
    settings = {
        "DATABASE_URL": postgres_url,
        "KHABARAYN_BASE_URL": mirror.server.base_url,
        "REDIS_URL": redis_url,
        "KHABAR_JOB": job,
        "KHABAR_REDIS_KEY_TTL": "60",
        "SCHEDULER_IDLE_BEFORE_CLOSE": "2",
        **LOCAL,
    }
    try:
        processes = []
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
            processes.append(start_crawl(tmp_path / name, settings=settings))
        errors = [process.communicate(timeout=240)[1] for process in processes]
    finally:
        mirror.close()
    stats = [read_outputs(tmp_path / name)[1] for name in ("one", "two")]
    extracted = sum(s.get("khabar/extract/article", 0) for s in stats)
    stored = sorted(row[0] for row in rows(postgres_url, select(Article.article_id)))
    assert [p.returncode for p in processes] == [0, 0], errors[0][-3000:] + errors[1][-3000:]
    assert (stored, len(rows(postgres_url, select(ArticleVersion.id))), extracted) == (
        ["41872", "52306"],
        2,
        2,
    )
    # one shared frontier: whatever either process queued, the two together took it all
    enqueued = sum(s.get("scheduler/enqueued/redis", 0) for s in stats)
    dequeued = sum(s.get("scheduler/dequeued/redis", 0) for s in stats)
    assert (enqueued > 0, dequeued) == (True, enqueued)
