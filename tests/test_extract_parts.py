"""The extraction helpers that the golden pages exercise only on their usual path: text
gathering, URL resolution, JSON-LD unwrapping, head metadata, document order, related cards."""

from __future__ import annotations

import pytest

from khabar_crawler.extract import dom, jsonld, markup, related
from khabar_crawler.extract.page import Page, parse_html
from khabar_crawler.extract.text import node_text

URL = "https://khabarayn.com/news/41872/x/"


def page(body: str, head: str = "") -> Page:
    return Page(f"<html><head>{head}</head><body>{body}</body></html>", URL)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>أ <b>ب</b>\u00a0 ج<!-- تعليق --> د</p>", "أ ب ج د"),
        ("<p>أ<script>var x = 1;</script> ب<style>p {}</style> ج</p>", "أ ب ج"),
        ("<div>أ<noscript><img src=x></noscript><template>t</template> ب</div>", "أ ب"),
        ("<p>\n\t </p>", ""),
    ],
    ids=["tails-comments-nbsp", "scripts-styles", "noscript-template", "blank"],
)
def test_node_text(html: str, expected: str) -> None:
    element = parse_html(html).find(".//body/*")
    assert element is not None
    assert node_text(element) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/news/1/a/", "https://khabarayn.com/news/1/a/"),
        ("https://cdn.example.com/a.jpg", "https://cdn.example.com/a.jpg"),
        ("/news/1/../2/./a/", "https://khabarayn.com/news/2/a/"),
        ("https://khabarayn.com/a/../b/", "https://khabarayn.com/a/../b/"),  # as urljoin keeps it
        ("//cdn.example.com/a.jpg", "https://cdn.example.com/a.jpg"),
        ("../41000/", "https://khabarayn.com/news/41872/41000/"),
        ("  /news/2/  ", "https://khabarayn.com/news/2/"),
        ("data:image/png;base64,AAAA", None),
        ("JavaScript:void(0)", None),
        ("   ", None),
    ],
)
def test_absolute(href: str, expected: str | None) -> None:
    assert page("").absolute(href) == expected


def test_absolute_follows_base_href() -> None:
    on_mirror = page("", head='<base href="https://mirror.example.org/sub/">')
    assert on_mirror.absolute("/a/") == "https://mirror.example.org/a/"


def test_base_href_outside_head_is_ignored() -> None:
    assert page('<base href="https://mirror.example.org/">').base_url == URL


@pytest.mark.parametrize(
    "block",
    [
        '<!-- {"@type": "NewsArticle", "headline": "ع"} -->',
        '//<![CDATA[\n{"@type": "NewsArticle", "headline": "ع"}\n//]]>',
        '<![CDATA[{"@type": "NewsArticle", "headline": "ع"}]]>',
        '{"@type": "NewsArticle", "headline": "ع\x07"}',
        '{"@type": "NewsArticle",\n "headline": "ع\n"}',
    ],
    ids=["comment", "js-cdata", "cdata", "control-character", "raw-newline"],
)
def test_jsonld_block_forms(block: str) -> None:
    nodes = page("", head=f'<script type="application/ld+json">{block}</script>').jsonld_nodes
    assert [n["headline"].strip() for n in nodes] == ["ع"]


def test_jsonld_skips_broken_and_other_scripts() -> None:
    head = (
        '<script type="application/ld+json">{"@type": </script>'
        '<script>{"@type": "NewsArticle"}</script>'
        '<script type="application/ld+json"></script>'
    )
    assert page("", head=head).jsonld_nodes == []


def test_jsonld_in_body_counts() -> None:
    body = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "ع"}</script>'
    assert jsonld.article_node(page(body).jsonld_nodes) is not None


def test_metas_of_the_head_win() -> None:
    head = '<meta property="og:title" content="من الرأس"><meta name="author" content="">'
    body = '<div><meta property="og:title" content="من الجسم"></div>'
    assert page(body, head=head).metas == {"og:title": ["من الرأس"]}


def test_metas_outside_the_head_count_when_the_head_lacks_them() -> None:
    body = '<div><meta property="article:published_time" content="2024-05-01T10:00:00Z"></div>'
    assert page(body).metas == {"article:published_time": ["2024-05-01T10:00:00Z"]}


def test_canonical_needs_an_exact_rel() -> None:
    head = (
        '<link rel="canonical alternate" href="/news/1/">'
        '<link rel="canonical">'
        '<link rel="canonical" href="/news/2/">'
        '<link rel="canonical" href="/news/3/">'
    )
    assert markup.canonical(page("", head=head)) == "/news/2/"


def test_precedes_is_document_order() -> None:
    root = parse_html("<div id=a><p id=b>x</p><!-- c --><p id=c><span id=d>y</span></p></div><p id=e>z</p>")
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    order = {e: i for i, e in enumerate(elements)}
    wrong = [
        (first.get("id") or first.tag, second.get("id") or second.tag)
        for first in elements
        for second in elements
        if first is not second and dom.precedes(first, second) != (order[first] < order[second])
    ]
    assert wrong == []


RELATED = """
<section class="related-news"><h2>أخبار ذات صلة</h2>
<div class="card"><span class="card-category">سياسة</span>
  <h3><a href="/news/1/a/">الأول</a></h3><p>جار التحميل...</p><p>ملخص الأول</p></div>
<a class="card" href="/news/2/b/"><div><h3>الثاني</h3></div></a>
<div class="card"><h3>بلا رابط</h3><p>لا شيء</p></div>
<div class="card"><h3><a href="/news/1/a/">الأول مكرر</a></h3></div>
<div class="card"><h3><a href="https://elsewhere.example/x/">خارجي</a></h3></div>
</section>
"""


def test_related_cards() -> None:
    assert related.related(page(RELATED)) == [
        {
            "title": "الأول",
            "url": "https://khabarayn.com/news/1/a/",
            "summary": "ملخص الأول",
            "category": "سياسة",
        },
        {"title": "الثاني", "url": "https://khabarayn.com/news/2/b/", "summary": None, "category": None},
    ]
