"""Scale-out: two crawler processes share one Redis frontier and one PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from khabar_crawler.db.models import Article, ArticleVersion
from tests.helpers import ROOT, SNAPSHOT, crawl_command, crawl_env, read_outputs
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
            command = crawl_command(tmp_path / name, settings=settings)
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=crawl_env(),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
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
