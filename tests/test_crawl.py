"""End to end: the real Scrapy engine in replay, live (local server) and record modes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from fixtures.generate import article_page
from khabar_crawler.items import CRAWL_FIELDS, GOLDEN_FIELDS
from khabar_crawler.snapshot.serve import serve
from tests.helpers import SNAPSHOT, golden, golden_ids, run_crawl

pytestmark = pytest.mark.e2e  # starts crawl processes or servers

#: a local server needs no politeness delays
LOCAL = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0"}


def golden_view(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["article_id"]: {f: item[f] for f in GOLDEN_FIELDS} for item in items}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return run_crawl(tmp_path_factory.mktemp("replay"), "-a", f"replay={SNAPSHOT}")


def test_replay_gives_exactly_the_golden_items(replayed: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    items, _ = replayed
    assert golden_view(items) == {aid: golden(aid) for aid in golden_ids()}


def test_replay_yields_each_article_once(replayed: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    items, _ = replayed
    assert len(items) == len(golden_ids())


def test_replay_counts_missing_urls(
    replayed: tuple[list[dict[str, Any]], dict[str, Any]], source_site: dict[str, Any]
) -> None:
    """Every linked page absent from the snapshot is counted once: the see-also and related
    articles of the golden items and the footer's categories (the home page is saved)."""
    _, stats = replayed
    linked = {
        link["url"] for aid in golden_ids() for link in golden(aid)["see_also"] + golden(aid)["related"]
    }
    categories = [link for link in source_site["footer"] if link["href"] != "/"]
    assert stats["khabar/replay/missing"] == len(linked) + len(categories)


def test_replay_plays_saved_statuses(replayed: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    _, stats = replayed
    assert (stats["khabar/replay/status/301"], stats["khabar/replay/status/404"]) == (1, 1)


def test_replay_records_crawl_metadata(replayed: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    items, _ = replayed
    assert all(item["status"] == 200 and item["fetched_url"] and item["fetched_at"] for item in items)


def test_the_feed_holds_the_golden_and_crawl_fields_only(
    replayed: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    items, _ = replayed
    assert {tuple(item) for item in items} == {(*GOLDEN_FIELDS, *CRAWL_FIELDS)}


def test_replay_is_deterministic(
    tmp_path: Path, replayed: tuple[list[dict[str, Any]], dict[str, Any]]
) -> None:
    again, _ = run_crawl(tmp_path, "-a", f"replay={SNAPSHOT}")
    assert golden_view(again) == golden_view(replayed[0])


def test_replay_through_a_frontier_on_disk_gives_the_same_items(
    tmp_path: Path, replayed: tuple[list[dict[str, Any]], dict[str, Any]]
) -> None:
    spilled, stats = run_crawl(tmp_path, "-a", f"replay={SNAPSHOT}", settings={"KHABAR_MEMORY_FRONTIER": "0"})
    assert (
        golden_view(spilled),
        stats["scheduler/enqueued/disk"] > 0,
        stats.get("scheduler/enqueued/memory"),
    ) == (
        golden_view(replayed[0]),
        True,
        None,
    )


def test_live_crawl_of_a_local_mirror_and_its_recording(tmp_path: Path) -> None:
    """The spider crawls a local HTTP server serving the snapshot; a recording of that crawl,
    replayed offline, yields the same items again."""
    server = serve(str(SNAPSHOT))
    try:
        record_dir = tmp_path / "recorded"
        live, live_stats = run_crawl(
            tmp_path / "live",
            "-a",
            f"record={record_dir}",
            settings={"KHABARAYN_BASE_URL": server.base_url, **LOCAL},
        )
    finally:
        server.shutdown()
        server.server_close()
    replayed, _ = run_crawl(tmp_path / "replay", "-a", f"replay={record_dir}")
    expected = {aid: golden(aid) for aid in golden_ids()}
    assert (golden_view(live), golden_view(replayed), live_stats["robotstxt/response_count"]) == (
        expected,
        expected,
        1,
    )


UNLINKED = """<!doctype html><html lang="ar"><head><meta charset="windows-1256">
<title>خبر بلا روابط | خبرين</title></head><body><main><h1>خبر بلا روابط</h1>
<span class="post-date">١٨ يوليو ٢٠٢٤</span>
<div class="story"><p>فقرة أولى من خبر لا تربطه أي صفحة.</p><p>فقرة ثانية.</p><p>فقرة ثالثة.</p></div>
</main></body></html>"""


def test_replay_of_unseen_pages_with_less_metadata_and_legacy_encodings(
    tmp_path: Path, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    """Another snapshot of the site: 52306 in windows-1256 declared by header only and no
    metas, 41872 without JSON-LD, and an article page that no page links to, dated in words."""
    snapshot = tmp_path / "unseen"
    shutil.copytree(SNAPSHOT, snapshot)
    manifest = json.loads((snapshot / "manifest.json").read_text("utf-8"))
    for entry in manifest:
        if entry["url"] == golden("52306")["url"]:
            body = article_page(source_articles["52306"], source_site, metas=False, charset="windows-1256")
            (snapshot / entry["file"]).write_bytes(body.replace(b'<meta charset="windows-1256">', b""))
            entry["headers"]["Content-Type"] = "text/html; charset=windows-1256"
        elif entry["url"] == golden("41872")["url"]:
            (snapshot / entry["file"]).write_bytes(
                article_page(source_articles["41872"], source_site, jsonld=False)
            )
    (snapshot / "pages" / "unlinked.html").write_bytes(UNLINKED.encode("cp1256", errors="xmlcharrefreplace"))
    manifest.append(
        {
            "url": "https://khabarayn.com/news/70707/unlinked/",
            "file": "pages/unlinked.html",
            "status": 200,
            "headers": {"Content-Type": "text/html"},
        }
    )
    (snapshot / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    items, _ = run_crawl(tmp_path / "crawl", "-a", f"replay={snapshot}")
    view = golden_view(items)
    unlinked = view.pop("70707")
    assert view == {aid: golden(aid) for aid in golden_ids()}
    assert (unlinked["title"], unlinked["published_at"], unlinked["body"]) == (
        "خبر بلا روابط",
        "2024-07-18T00:00:00+00:00",
        "فقرة أولى من خبر لا تربطه أي صفحة.\n\nفقرة ثانية.\n\nفقرة ثالثة.",
    )
