"""Each field falls back on its own: a page without one metadata layer gives the same item."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.generate import article_page
from khabar_crawler.extract import decode_html, extract_article
from khabar_crawler.items import GOLDEN_FIELDS
from tests.helpers import golden, golden_ids, item_dict

#: a fetched URL that is not the canonical one: the page's own canonical must win
FETCHED = "https://khabarayn.com/?p=0&utm_source=newsletter"


def extract_variant(article: dict[str, Any], site: dict[str, Any], **variant: Any) -> dict[str, Any]:
    _, html = decode_html(article_page(article, site, **variant), None)
    return item_dict(extract_article(html, FETCHED))


@pytest.mark.parametrize("article_id", golden_ids())
@pytest.mark.parametrize("variant", [{"jsonld": False}, {"metas": False}], ids=["no-jsonld", "no-metas"])
def test_item_unchanged_without_a_layer(
    article_id: str, variant: dict[str, bool], source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    item = extract_variant(source_articles[article_id], source_site, **variant)
    assert {f: item[f] for f in GOLDEN_FIELDS} == golden(article_id)


@pytest.mark.parametrize("article_id", golden_ids())
def test_markup_alone_gives_every_visible_field(
    article_id: str, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    """Without JSON-LD and metas, only what the page does not show (metadata tags) may be lost."""
    item = extract_variant(source_articles[article_id], source_site, jsonld=False, metas=False)
    expected = golden(article_id)
    hashtags_visible = "#" in source_articles[article_id]["lede"]
    fields = [f for f in GOLDEN_FIELDS if f != "tags" or hashtags_visible]
    assert {f: item[f] for f in fields} == {f: expected[f] for f in fields}


def test_broken_jsonld_falls_back(source_articles: dict[str, Any], source_site: dict[str, Any]) -> None:
    _, html = decode_html(article_page(source_articles["52306"], source_site), None)
    broken = html.replace('"@context": "https://schema.org"', '"@context": "https://schema.org",,')
    layers = {"fetched_url": None, "field_layers": {}}
    assert (
        item_dict(extract_article(broken, FETCHED)) | layers
        == item_dict(extract_article(html, FETCHED)) | layers
    )


BARE_ARTICLE = """<!doctype html><html lang="ar-EG"><head><meta charset="utf-8">
<title>عنوان الخبر | خبرين</title></head><body>
<div class="layout"><h1>عنوان الخبر</h1>
<div class="text">
<p>الفقرة الأولى من الخبر.</p>
<p>اقرأ أيضاً: <a href="/news/7731/خبر-آخر/?utm_source=x">خبر آخر</a></p>
<h3>عنوان فرعي</h3>
<p>الفقرة الثانية.</p><p>الفقرة الثالثة.</p>
<p>Loading...</p>
</div></div></body></html>"""


def test_page_without_metadata_or_theme_classes() -> None:
    item = item_dict(extract_article(BARE_ARTICLE, "https://khabarayn.com/news/7731/عنوان/#top"))
    assert (
        item["title"],
        item["body"],
        item["see_also"],
        item["language"],
        item["article_id"],
        item["authors"],
    ) == (
        "عنوان الخبر",
        "الفقرة الأولى من الخبر.\n\nعنوان فرعي\n\nالفقرة الثانية.\n\nالفقرة الثالثة.",
        [
            {
                "title": "خبر آخر",
                "url": "https://khabarayn.com/news/7731/%D8%AE%D8%A8%D8%B1-%D8%A2%D8%AE%D8%B1/",
            }
        ],
        "ar",
        "7731",
        ["خَبَرَيْن"],
    )


def test_amp_page_maps_to_its_canonical_article(
    source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    _, html = decode_html(article_page(source_articles["41872"], source_site), None)
    amp_url = golden("41872")["url"] + "amp/"
    item = item_dict(extract_article(html.replace('<link rel="canonical"', '<link rel="x"'), amp_url))
    assert item["canonical_url"] == golden("41872")["url"]


OTHER_THEME = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>عنوان تجريبي - خبرين</title>
<meta property="og:type" content="article"><meta property="article:published_time" content="2024-05-01T10:00:00Z">
<link rel="canonical" href="/news/123456/slug/"></head><body>
<header><img alt="خَبَرَيْن logo" src="/logo.png"></header>
<main><h1>عنوان تجريبي</h1><p class="summary">ملخص الخبر هنا. #وسم_أول</p>
<figure><img src="/img/a.jpg" alt="وصف"><figcaption>تعليق الصورة [رويترز]</figcaption></figure>
<div>التصنيف:<a href="/category/asia/">آسيا</a></div>
<div class="article-body"><h2>عنوان فرعي</h2><p>فقرة أولى.</p><div class="see-also">شاهد ايضاً: <a href="/news/2/x/">خبر آخر</a></div><p>فقرة ثانية.</p></div>
<section><h2>أخبار ذات صلة</h2><div class="grid">
<a href="/news/3/y/?utm_source=r"><div>Loading...</div><img alt="صورة"><h3>خبر ثالث</h3><p>نبذة.</p><span class="category">آسيا</span></a>
<a href="/news/4/z/"><div>Loading...</div><img alt="صورة"><h3>خبر رابع</h3><p>نبذة 2.</p><span class="category">آسيا</span></a>
</div></section></main><footer><a href="/">الرئيسية</a></footer></body></html>"""


def test_page_of_another_theme() -> None:
    """Other markup of the same site's blocks: a lede by class, a category line without a
    class, see-also as a div, related cards that are one link around the heading."""
    item = item_dict(extract_article(OTHER_THEME, "https://khabarayn.com/news/123456/slug/"))
    related = [(c["title"], c["url"], c["summary"], c["category"]) for c in item["related"]]
    assert (item["summary"], item["tags"], item["category"], item["body"], related) == (
        "ملخص الخبر هنا.",
        ["وسم أول"],
        "آسيا",
        "عنوان فرعي\n\nفقرة أولى.\n\nفقرة ثانية.",
        [
            ("خبر ثالث", "https://khabarayn.com/news/3/y/", "نبذة.", "آسيا"),
            ("خبر رابع", "https://khabarayn.com/news/4/z/", "نبذة 2.", "آسيا"),
        ],
    )
