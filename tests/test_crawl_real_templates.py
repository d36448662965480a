"""End to end on a site of another template: articles without a site id or a machine date are
stored (never merged on a year), a text page that is no article is recorded, a page whose
declared charset is wrong is read in its own, and each item says which layer read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from khabar_crawler.db.models import Article, RejectedPage
from tests.helpers import run_crawl
from tests.pipeline_run import rows

pytestmark = pytest.mark.e2e  # starts crawl processes or servers

ORIGIN = "https://news.example.org"
PARAGRAPHS = [
    "قالت الحكومة إن المشروع الجديد سيوفر آلاف فرص العمل للشباب في المناطق الداخلية خلال السنوات القادمة.",
    "وأضاف الوزير أن التمويل مضمون بالكامل وأن الأشغال ستنطلق مع بداية الربيع المقبل في ثلاث ولايات.",
    "وأشار خبراء اقتصاديون إلى أن نجاح المشروع يتوقف على سرعة الإجراءات الإدارية وشفافية الصفقات العمومية.",
    "ويأتي هذا الإعلان بعد أشهر من النقاش في البرلمان حول أولويات الاستثمار العمومي وتوزيعه بين الجهات.",
]


def article(title: str, date: str, paragraphs: list[str], charset: str = "utf-8") -> str:
    """A page of a template the site profile does not know: no JSON-LD, no metas, the body in
    a container whose ancestor's class names an ad slot, the date only as visible text."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="ar"><head><meta charset="{charset}"><title>{title} | الأخبار</title>'
        f'</head><body><div class="wrap has-ad-slot"><h1>{title}</h1><span class="date">{date}</span>'
        f'<div class="story">{body}<ul class="tags"><li><a href="/tag/1/">اقتصاد</a></li></ul></div>'
        "</div></body></html>"
    )


PAGES: dict[str, tuple[str, str, str]] = {
    # url path: (file, body text, content type as served)
    "/2019/02/08/projet-emploi/": (
        "a.html",
        article("مشروع لتشغيل الشباب", "الجمعة 8 فيفري 2019", PARAGRAPHS[:3]),
        "text/html; charset=utf-8",
    ),
    "/2019/02/09/budget-debat/": (
        "b.html",
        article("نقاش الميزانية في البرلمان", "السبت 9 فيفري 2019", PARAGRAPHS[1:]),
        "text/html; charset=utf-8",
    ),
    # served as UTF-8 but written in windows-1256, as its own <meta> says
    "/2019/02/10/legacy-page/": (
        "c.html",
        article(
            "صفحة بترميز قديم",
            "الأحد 10 فيفري 2019",
            [PARAGRAPHS[0], *PARAGRAPHS[2:]],
            charset="windows-1256",
        ),
        "text/html; charset=utf-8",
    ),
    # the text of an article, but no headline and no sign of one
    "/pages/about-the-project/": (
        "d.html",
        '<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>عن المشروع</title></head>'
        '<body><div class="text">' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div></body></html>",
        "text/html; charset=utf-8",
    ),
}


@pytest.fixture(scope="module")
def other_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    snapshot = tmp_path_factory.mktemp("other-template") / "snapshot"
    (snapshot / "pages").mkdir(parents=True)
    manifest: list[dict[str, Any]] = []
    for path, (name, html, content_type) in PAGES.items():
        encoding = "windows-1256" if "windows-1256" in html else "utf-8"
        (snapshot / "pages" / name).write_bytes(html.encode(encoding))
        manifest.append(
            {
                "url": ORIGIN + path,
                "file": f"pages/{name}",
                "status": 200,
                "headers": {"Content-Type": content_type},
            }
        )
    (snapshot / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    return snapshot


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory, module_db_url: str, other_template: Path
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One crawl per back end, read by every test of the module."""
    return run_crawl(
        tmp_path_factory.mktemp("run"),
        "-a",
        f"replay={other_template}",
        settings={"DATABASE_URL": module_db_url, "KHABARAYN_SITE_URL": ORIGIN},
    )


def test_articles_of_one_year_without_ids_are_stored_apart(
    crawled: tuple[list[dict[str, Any]], dict[str, Any]], module_db_url: str
) -> None:
    stored = rows(
        module_db_url, select(Article.canonical_url, Article.article_id).order_by(Article.canonical_url)
    )
    assert stored == [(ORIGIN + path, None) for path in sorted(PAGES) if path.startswith("/2019/")]


def test_visible_dates_become_publication_times(
    crawled: tuple[list[dict[str, Any]], dict[str, Any]], module_db_url: str
) -> None:
    dates = rows(module_db_url, select(Article.published_raw).order_by(Article.canonical_url))
    published = [item["published_at"][:10] for item in sorted(crawled[0], key=lambda i: i["url"])]
    assert (published, dates) == (
        ["2019-02-08", "2019-02-09", "2019-02-10"],
        [("الجمعة 8 فيفري 2019",), ("السبت 9 فيفري 2019",), ("الأحد 10 فيفري 2019",)],
    )


def test_a_text_page_that_is_no_article_is_recorded(
    crawled: tuple[list[dict[str, Any]], dict[str, Any]], module_db_url: str
) -> None:
    recorded = rows(module_db_url, select(RejectedPage.url, RejectedPage.reason))
    assert (recorded, crawled[1]["khabar/extract/rejected/not_article"]) == (
        [(ORIGIN + "/pages/about-the-project/", "not_article")],
        1,
    )


def test_a_wrong_declared_charset_is_read_by_the_page_own(
    crawled: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    legacy = next(item for item in crawled[0] if "legacy-page" in item["url"])
    assert (legacy["title"], crawled[1]["khabar/extract/encoding/meta"]) == ("صفحة بترميز قديم", 1)


def test_each_item_says_which_layer_read_it(
    crawled: tuple[list[dict[str, Any]], dict[str, Any]], module_db_url: str
) -> None:
    layers = rows(module_db_url, select(Article.field_layers))
    assert (layers[0][0]["body"], crawled[1]["khabar/extract/layer/body/generic"]) == ("generic", 3)
