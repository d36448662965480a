"""Migration 0011: ar-v1 search forms of stored articles recomputed as ar-v2, resumably."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from bench.search import fill
from bench.synthetic import Corpus
from khabar_crawler.db import create_db_engine
from khabar_crawler.db.migrate import alembic_config, current_revision, upgrade
from khabar_crawler.query.search import search
from khabar_crawler.text.normalize import search_form
from tests.helpers import golden_ids, golden_item
from tests.pipeline_run import run_pipelines


def at_ar_v1(url: str) -> Engine:
    """The seed articles stored, then the schema taken back to 0010 (forms recomputed as ar-v1)."""
    run_pipelines(url, *(golden_item(aid) for aid in golden_ids()))
    engine = create_db_engine(url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    return engine


def test_downgrade_stores_ar_v1_forms(db_url: str) -> None:
    engine = at_ar_v1(db_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT title, title_search, search_profile FROM articles")).all()
    engine.dispose()
    assert {(r.title_search, r.search_profile) for r in rows} == {
        (search_form(r.title), "ar-v1") for r in rows
    }


def test_upgrade_recomputes_the_forms_and_the_index(db_url: str) -> None:
    engine = at_ar_v1(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        profiles = set(connection.execute(text("SELECT search_profile FROM articles")).scalars())
        found = {hit.article_id for hit in search(connection, '"كوريا الجنوبية"')}
    engine.dispose()
    assert (profiles, found) == ({"ar-v2"}, {"41872", "52306"})


def test_upgrade_skips_rows_already_recomputed(db_url: str) -> None:
    """An interrupted upgrade resumes: a row marked ar-v2 is not read again."""
    engine = at_ar_v1(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE articles SET search_profile = 'ar-v2' WHERE article_id = '41872'"))
        before = connection.execute(
            text("SELECT body_search FROM articles WHERE article_id = '41872'")
        ).scalar()
    upgrade(engine)
    with engine.connect() as connection:
        after = connection.execute(
            text("SELECT body_search FROM articles WHERE article_id = '41872'")
        ).scalar()
    engine.dispose()
    assert after == before


def profiles(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT search_profile, count(*) FROM articles GROUP BY 1")).all()
    engine.dispose()
    return {profile: count for profile, count in rows}


@pytest.mark.e2e
def test_a_killed_upgrade_keeps_its_batches_and_resumes(tmp_path: Path) -> None:
    """``khabar db upgrade`` killed (SIGKILL) while 0011 rewrites 4,000 articles: the batches
    it committed stay ar-v2, the revision stays 0010; the next upgrade rewrites only the
    rest and stamps the head."""
    url = f"sqlite:///{tmp_path / 'khabar.db'}"
    engine = create_db_engine(url)
    fill(engine, Corpus(7), 4000)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    engine.dispose()
    khabar = str(Path(sys.executable).with_name("khabar"))
    upgrading = subprocess.Popen([khabar, "--database-url", url, "db", "upgrade"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while profiles(url).get("ar-v2", 0) == 0 and upgrading.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    upgrading.kill()
    upgrading.wait()
    engine = create_db_engine(url)
    revision_after_kill = current_revision(engine)
    engine.dispose()
    after_kill = profiles(url)
    resumed = subprocess.run(
        [khabar, "--database-url", url, "db", "upgrade"], capture_output=True, text=True, check=False
    )
    engine = create_db_engine(url)
    assert (
        revision_after_kill,
        0 < after_kill.get("ar-v2", 0) < 4000,
        resumed.returncode,
        current_revision(engine),
        profiles(url),
    ) == ("0010", True, 0, "0011", {"ar-v2": 4000})
    engine.dispose()
