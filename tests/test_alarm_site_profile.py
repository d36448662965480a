"""The site-profile alarm: too few items took their body from the site's own profile rules."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from khabar_crawler import settings as project_settings
from khabar_crawler.runs.alarms import Alarms

PROJECT = {
    "KHABAR_COVERAGE_MIN_ITEMS": project_settings.KHABAR_COVERAGE_MIN_ITEMS,
    "KHABAR_SITE_PROFILE_MIN_SHARE": project_settings.KHABAR_SITE_PROFILE_MIN_SHARE,
}


def layer_stats(items: int, **body_layers: int) -> dict[str, Any]:
    """Stats of a run that extracted ``items`` items, each with a body from one layer."""
    stats: dict[str, Any] = {"khabar/coverage/items": items, "khabar/coverage/body": items}
    stats |= {f"khabar/extract/layer/body/{layer}": n for layer, n in body_layers.items()}
    stats |= {f"khabar/extract/layer/title/{layer}": n for layer, n in body_layers.items()}
    return stats


def alarms(stats: dict[str, Any], **settings: Any) -> Alarms:
    crawler = get_crawler(Spider, {**PROJECT, **settings})
    assert crawler.stats is not None
    crawler.stats.set_stats(dict(stats))
    return Alarms(crawler)


def site_profile(found: list[tuple[str, str]]) -> list[str]:
    return [message for name, message in found if name == "site_profile"]


def test_project_floor_is_eighty_percent() -> None:
    assert project_settings.KHABAR_SITE_PROFILE_MIN_SHARE == 0.8


def test_fires_below_the_floor_and_names_the_other_layers() -> None:
    found = alarms(layer_stats(140, site=17, generic=120, jsonld=3)).breaches("finished")
    assert site_profile(found) == [
        "only 12% of 140 items took their body from the site profile (floor 80%): the site's theme"
        " may have changed; other layers filled the rest (generic 120, jsonld 3)"
    ]


def test_quiet_at_and_above_the_floor() -> None:
    at_floor = alarms(layer_stats(100, site=80, generic=20)).breaches("finished")
    above = alarms(layer_stats(100, site=97, generic=3)).breaches("finished")
    assert (site_profile(at_floor), site_profile(above)) == ([], [])


def test_quiet_below_the_minimum_items() -> None:
    found = alarms(layer_stats(19, generic=19)).breaches("finished")
    assert site_profile(found) == []


def test_minimum_items_is_the_coverage_setting() -> None:
    found = alarms(layer_stats(5, site=1, generic=4), KHABAR_COVERAGE_MIN_ITEMS=5).breaches("finished")
    assert len(site_profile(found)) == 1


def test_default_floor_when_the_setting_is_absent() -> None:
    crawler = get_crawler(Spider, {"KHABAR_COVERAGE_MIN_ITEMS": 20})
    assert crawler.stats is not None
    crawler.stats.set_stats(layer_stats(100, site=79, generic=21))
    assert len(site_profile(Alarms(crawler).breaches("finished"))) == 1


@pytest.mark.parametrize("off", [0, 0.0, "0", None, "None", ""])
def test_zero_or_none_switches_it_off(off: Any) -> None:
    found = alarms(layer_stats(100, generic=100), KHABAR_SITE_PROFILE_MIN_SHARE=off).breaches("finished")
    assert site_profile(found) == []


def test_a_custom_floor() -> None:
    stats = layer_stats(100, site=60, generic=40)
    strict = alarms(stats, KHABAR_SITE_PROFILE_MIN_SHARE=0.9).breaches("finished")
    lenient = alarms(stats, KHABAR_SITE_PROFILE_MIN_SHARE="0.5").breaches("finished")
    assert (len(site_profile(strict)), site_profile(lenient)) == (1, [])


def test_quiet_when_the_spider_records_no_layers() -> None:
    stats = {"khabar/coverage/items": 100, "khabar/coverage/body": 100}
    assert site_profile(alarms(stats).breaches("finished")) == []


def test_no_body_layer_besides_the_site() -> None:
    found = alarms(layer_stats(50, site=10)).breaches("finished")
    assert site_profile(found) == [
        "only 20% of 50 items took their body from the site profile (floor 80%): the site's theme"
        " may have changed; other layers filled the rest (no other layer)"
    ]


def test_breach_is_counted_and_fails_the_run() -> None:
    extension = alarms(layer_stats(140, site=17, generic=123))
    crawler = extension.crawler
    extension.spider_closed(Spider(name="khabarayn"), "finished")
    assert crawler.stats is not None
    assert (
        str(crawler.stats.get_value("khabar/alarm/site_profile")).startswith("only 12% of 140 items"),
        crawler.stats.get_value("khabar/alarm/failed"),
    ) == (True, 1)
