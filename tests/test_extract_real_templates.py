"""Page templates nobody here wrote: each page below has the shape of a real page the extractor
once got wrong (the text is invented), and the item it must give."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from khabar_crawler.extract import extract_article
from khabar_crawler.extract.classify import classify
from khabar_crawler.extract.identity import id_in_path
from khabar_crawler.extract.page import Page
from khabar_crawler.site import Site
from pipelines.validate import ValidatePipeline
from tests.helpers import item_dict

URL = "https://khabarayn.com/news/90210/خبر-تجريبي/"
#: a news site of another origin, crawled as its own site (the site name stays khabarayn's)
OTHER_ORIGIN = "https://www.akhbar-example.net"
OTHER = Site(origin=OTHER_ORIGIN, base=OTHER_ORIGIN)
OTHER_URL = f"{OTHER_ORIGIN}/politics/2019/02/08/slug/"

#: invented paragraphs, each long enough to read as prose
P = [
    "أعلنت البلدية صباح اليوم عن خطة جديدة لتجديد شبكة المياه في الأحياء القديمة خلال الأشهر المقبلة.",
    "وقال رئيس البلدية إن الأشغال ستبدأ من الحي الشمالي ثم تمتد تدريجياً إلى بقية الأحياء المتضررة.",
    "وأضاف أن الميزانية المخصصة للمشروع تكفي لتغطية المرحلة الأولى بالكامل دون الحاجة إلى قروض إضافية.",
    "من جهتهم، رحب السكان بالقرار وطالبوا بإشراكهم في متابعة الأشغال حتى لا تتكرر أخطاء المشاريع السابقة.",
    "ويعاني الحي الشمالي منذ سنوات من انقطاعات متكررة في الماء خاصة في فصل الصيف مع ارتفاع درجات الحرارة.",
    "وتتوقع البلدية أن تنتهي المرحلة الأولى قبل نهاية العام إذا سارت الأشغال وفق الجدول الزمني المحدد لها.",
    "كما أعلنت عن فتح خط هاتفي لتلقي شكاوى المواطنين ومقترحاتهم بخصوص سير الأشغال في أحيائهم طوال المشروع.",
    "ويأتي هذا المشروع ضمن برنامج وطني أوسع لتحديث البنية التحتية في المدن المتوسطة والصغيرة في البلاد.",
]
BODY_OF = "\n\n".join
TITLE = "البلدية تعلن خطة لتجديد شبكة المياه"


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def page(body: str, head: str = "", lang: str = "ar", title: str = TITLE) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{title}</title>{head}</head><body>{body}</body></html>"
    )


#: the head of an article page that says nothing but that it is an article
ARTICLE_HEAD = '<meta property="og:type" content="article">'


def extract(html: str, url: str = URL, site: Site | None = None) -> dict[str, Any]:
    return item_dict(extract_article(html, url, site))


# --- 1. the article inside an ancestor whose class names an ad slot --------------------------


@pytest.mark.parametrize(
    "wrapper",
    ['<div class="page has-ad-slot">', '<div class="x-ad-wrapper">', '<div id="main-ad-zone" class="wrap">'],
    ids=["has-ad-slot", "ad-wrapper", "ad-id"],
)
@pytest.mark.parametrize(
    "container", ['<div class="story-text">', '<div class="entry-content">'], ids=["generic", "theme"]
)
def test_article_inside_an_ad_named_ancestor_keeps_its_body(wrapper: str, container: str) -> None:
    html = page(
        f"{wrapper}<article><h1>{TITLE}</h1>{container}{paragraphs(P[:4])}</div></article></div>",
        ARTICLE_HEAD,
    )
    assert extract(html)["body"] == BODY_OF(P[:4])


# --- 2. a body split over sibling containers of one kind -------------------------------------

AD = '<div class="ad-slot"><p>إعلان: اشترك في عرضنا الخاص لهذا الشهر واستفد من التخفيضات</p></div>'


def test_body_split_over_page_break_containers() -> None:
    breaks = AD.join(f'<div class="page-break">{paragraphs(P[i : i + 2])}</div>' for i in range(0, 8, 2))
    html = page(f"<main><h1>{TITLE}</h1><div class='article'>{breaks}</div></main>", ARTICLE_HEAD)
    assert extract(html)["body"] == BODY_OF(P)


def test_body_split_over_nested_css_module_containers() -> None:
    """The NYT shape: each pair of paragraphs in its own ``<div><div class="css-...">``."""
    blocks = "".join(
        f'<div><div class="css-53u6y8">{paragraphs(P[i : i + 2])}</div></div>' for i in range(0, 8, 2)
    )
    html = page(
        f'<article><header><h1>{TITLE}</h1></header><section name="articleBody">{blocks}</section></article>',
        ARTICLE_HEAD,
    )
    assert extract(html)["body"] == BODY_OF(P)


# --- 3. chrome inside the article container --------------------------------------------------

CHROME_BLOCKS = [
    pytest.param(
        '<ul class="tags"><li><a href="/tag/water/">مياه</a></li><li><a href="/tag/city/">البلدية</a></li>'
        '<li><a href="/tag/works/">أشغال عمومية في المدينة</a></li></ul>',
        id="tag-list",
    ),
    pytest.param(
        '<div class="prev_next"><a href="/news/90209/a/"><span>المقال السابق</span>'
        "<h4>افتتاح مكتبة عمومية جديدة في وسط المدينة</h4></a>"
        '<a href="/news/90211/b/"><span>المقال التالي</span>'
        "<h4>مهرجان الربيع يعود بعد غياب طويل</h4></a></div>",
        id="prev-next",
    ),
    pytest.param(
        '<p>Lire aussi : <a href="https://www.example.fr/article/1">Le réseau d\'eau</a> vieillit mal</p>',
        id="lire-aussi-link",
    ),
    pytest.param("<p>Lire aussi : La sécheresse menace les réserves de la région</p>", id="lire-aussi"),
    pytest.param(
        "<p>Il vous reste 57% de cet article à lire. La suite est réservée aux abonnés.</p>", id="paywall"
    ),
    pytest.param('<p>Vous possédez déjà un compte ? <a href="/login">Se connecter</a></p>', id="login"),
    pytest.param(
        '<div class="meta"><span class="time_to_read">2<sup>min</sup></span></div>', id="reading-time"
    ),
    pytest.param(f'<span class="d-none">{TITLE}</span>', id="hidden-title"),
    pytest.param(
        f'<div class="headline-copy"><span class="d-none">{TITLE}</span></div>',
        id="hidden-title-in-div",
    ),
    pytest.param(
        f'<h2><span class="d-none">{TITLE}</span></h2>',
        id="hidden-title-in-heading",
    ),
    pytest.param(
        "<p>نرحب بتعليقاتكم على هذا الخبر، مع الالتزام بقواعد النشر الواردة في "
        '<a href="/privacy.html">سياسة الخصوصية</a> الخاصة بالموقع.</p>',
        id="comment-policy",
    ),
    pytest.param("<p>الجمعة 8 فيفري 2019</p>", id="date-line"),
]


@pytest.mark.parametrize("chrome", CHROME_BLOCKS)
@pytest.mark.parametrize(
    "container", ['<div class="story-text">', '<div class="entry-content">'], ids=["generic", "theme"]
)
def test_chrome_inside_the_article_container_stays_out_of_the_body(chrome: str, container: str) -> None:
    text = paragraphs(P[:2]) + chrome + paragraphs(P[2:5])
    html = page(f"<article><h1>{TITLE}</h1>{container}{text}</div></article>", ARTICLE_HEAD)
    assert extract(html)["body"] == BODY_OF(P[:5])


# --- 4. lines separated by <br><br> in one div -----------------------------------------------

BR_LINES = "<br><br>\n".join(P[:4])


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            f'<div class="story-text"><div>{BR_LINES}</div></div>',
            id="generic-inner-div",
        ),
        pytest.param(f'<div class="story-text">{BR_LINES}</div>', id="generic-container-text"),
        pytest.param(f'<div class="entry-content"><div>{BR_LINES}</div></div>', id="theme-inner-div"),
        pytest.param(f'<div class="entry-content">{BR_LINES}</div>', id="theme-container-text"),
    ],
)
def test_br_separated_lines_are_paragraphs(text: str) -> None:
    html = page(f"<div class='main'><h1>{TITLE}</h1>{text}</div>", ARTICLE_HEAD)
    assert extract(html)["sections"] == [{"heading": None, "paragraphs": P[:4]}]


#: lines of running text between two paragraphs of the container
BR_BETWEEN = f"<p>{P[0]}</p>" + "<br><br>\n".join(P[1:4]) + f"<p>{P[4]}</p>"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            f"<div class='story-text'><p>{P[0]}</p><div>{'<br><br>'.join(P[1:4])}</div><p>{P[4]}</p></div>",
            id="generic-inner-div",
        ),
        pytest.param(f'<div class="story-text">{BR_BETWEEN}</div>', id="generic-running-text"),
        pytest.param(f'<div class="entry-content">{BR_BETWEEN}</div>', id="theme-running-text"),
    ],
)
def test_br_separated_lines_between_paragraphs(text: str) -> None:
    html = page(f"<div class='main'><h1>{TITLE}</h1>{text}</div>", ARTICLE_HEAD)
    assert extract(html)["sections"] == [{"heading": None, "paragraphs": P[:5]}]


# --- 5. dates only the page's text or RDFa gives ---------------------------------------------

VISIBLE_DATE_ONLY = page(
    f'<div class="post"><h1>{TITLE}</h1><span class="date">الجمعة 8 فيفري 2019</span>'
    f'<div class="text">{paragraphs(P[:5])}</div></div>'
)


def test_visible_date_text_is_kept_raw() -> None:
    item = extract(VISIBLE_DATE_ONLY)
    assert (item["published_at"], item["published_at_raw"]) == (None, "الجمعة 8 فيفري 2019")


def test_article_with_only_a_visible_date_passes_validation() -> None:
    item = extract_article(VISIBLE_DATE_ONLY, URL)
    assert item is not None, "no item extracted"
    assert ValidatePipeline.from_crawler(get_crawler()).process_item(item) is item


def test_rdfa_date_in_the_article_footer() -> None:
    html = page(
        f'<article><h1>{TITLE}</h1><div class="text">{paragraphs(P[:5])}</div>'
        '<footer><span property="dc:date" content="2019-02-08T00:00:00+01:00">'
        "8 فيفري 2019</span></footer></article>"
    )
    assert extract(html)["published_at"] == "2019-02-08T00:00:00+01:00"


def test_bare_time_element() -> None:
    html = page(
        f'<div class="post"><h1>{TITLE}</h1><time datetime="2024-05-13T09:30:00+03:00">13 مايو 2024</time>'
        f'<div class="text">{paragraphs(P[:5])}</div></div>'
    )
    assert extract(html)["published_at"] == "2024-05-13T09:30:00+03:00"


# --- 6. article ids --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://khabarayn.com/2019/03/15/some-slug/", None),
        ("https://www.example.com/story/2024/5/13/some-slug/6573469", "6573469"),
        ("https://www.example.com/a/some-slug/7585813.html", "7585813"),
        ("https://www.example.com/news/20240513/some-slug/", None),
        ("https://www.example.com/news/2019.html", None),
        ("https://www.example.com/a/20240513.php", None),
    ],
    ids=["date-path", "story-date-then-id", "id-html", "compact-date", "year-page", "compact-date-page"],
)
def test_id_in_path(url: str, expected: str | None) -> None:
    assert id_in_path(url) == expected


DATED_PATH = "https://khabarayn.com/2019/03/15/some-slug/"


def test_dated_path_without_id_gives_no_id() -> None:
    html = page(
        f"<article><h1>{TITLE}</h1><div class='text'>{paragraphs(P[:5])}</div></article>", ARTICLE_HEAD
    )
    assert extract(html, DATED_PATH)["article_id"] is None


def test_shortlink_wins_over_the_path() -> None:
    head = ARTICLE_HEAD + '<link rel="shortlink" href="https://khabarayn.com/?p=123">'
    html = page(f"<article><h1>{TITLE}</h1><div class='text'>{paragraphs(P[:5])}</div></article>", head)
    assert extract(html, "https://khabarayn.com/news/41872/slug/")["article_id"] == "123"


def test_jsonld_identifier_wins() -> None:
    head = (
        '<link rel="shortlink" href="https://khabarayn.com/?p=123">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        f' "headline": "{TITLE}", "identifier": "555"}}</script>'
    )
    html = page(f"<article><h1>{TITLE}</h1><div class='text'>{paragraphs(P[:5])}</div></article>", head)
    assert extract(html, "https://khabarayn.com/news/41872/slug/")["article_id"] == "555"


# --- 7. titles and authors from JSON-LD ------------------------------------------------------


def jsonld_page(node: str, head: str = "", title: str = TITLE) -> str:
    script = f'<script type="application/ld+json">{{"@context": "https://schema.org", {node}}}</script>'
    return page(
        f"<article><h1>{TITLE}</h1><div class='text'>{paragraphs(P[:5])}</div></article>",
        script + head,
        title=title,
    )


def test_jsonld_headline_entities_are_unescaped() -> None:
    html = jsonld_page(
        '"@type": "NewsArticle", "headline": "وزير &quot;المياه&quot; يردّ: &#039;لا تأجيل&#039;"'
    )
    assert extract(html)["title"] == "وزير \"المياه\" يردّ: 'لا تأجيل'"


def test_jsonld_headline_loses_the_pages_own_site_name() -> None:
    html = jsonld_page(
        '"@type": "NewsArticle", "headline": "Water works begin next month - Some Site"',
        '<meta property="og:site_name" content="Some Site">',
    )
    assert extract(html)["title"] == "Water works begin next month"


def test_publisher_of_a_foreign_page_is_not_its_author() -> None:
    html = jsonld_page(
        '"@type": "NewsArticle", "headline": "خبر من موقع آخر",'
        ' "publisher": {"@type": "Organization", "name": "أخبار المثال"}',
        title="خبر من موقع آخر - أخبار المثال",
    )
    assert extract(html, OTHER_URL, OTHER)["authors"] == []


def test_own_page_without_author_markup_is_the_sites() -> None:
    html = page(
        f"<article><h1>{TITLE}</h1><div class='text'>{paragraphs(P[:5])}</div></article>",
        ARTICLE_HEAD,
        title=f"{TITLE} - خبرين",
    )
    assert extract(html)["authors"] == ["خَبَرَيْن"]


# --- 8. bylines near the headline ------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<p>كتبت: آية محمود</p>", "آية محمود"),
        ('<div class="info"><span>بقلم أحمد علي</span></div>', "أحمد علي"),
    ],
    ids=["katabat", "biqalam"],
)
def test_byline_near_the_headline(byline: str, expected: str) -> None:
    html = page(
        f"<article><h1>{TITLE}</h1>{byline}<div class='text'>{paragraphs(P[:5])}</div></article>",
        ARTICLE_HEAD,
    )
    assert extract(html)["authors"] == [expected]


# --- 9. classification -----------------------------------------------------------------------


def card(n: int) -> str:
    return (
        f'<article class="card"><h3><a href="/news/{100 + n}/x/">عنوان الخبر رقم {n} في هذا القسم</a></h3>'
        f"<p>{P[n]}</p></article>"
    )


@pytest.mark.parametrize("cards", [2, 3, 5])
def test_category_listing_is_not_an_article(cards: int) -> None:
    html = page(
        "<main><h1>أخبار محلية</h1>" + "".join(card(n) for n in range(cards)) + "</main>",
        '<meta property="og:type" content="website">',
        title="أخبار محلية - خبرين",
    )
    assert extract_article(html, "https://khabarayn.com/category/local/") is None


LONG_TEXT = f"<div class='text'>{paragraphs(P)}</div>"


def test_long_text_under_an_h1_without_metadata_is_an_article() -> None:
    item = extract(page(f"<div class='main'><h1>{TITLE}</h1>{LONG_TEXT}</div>"))
    assert (item["title"], item["body"]) == (TITLE, BODY_OF(P))


def test_long_text_without_an_h1_is_substantial_but_not_an_article() -> None:
    verdict = classify(Page(page(f"<div class='main'><h2>{TITLE}</h2>{LONG_TEXT}</div>"), URL))
    assert (verdict.article, verdict.substantial_text) == (False, True)


WEBSITE_HEAD = '<meta property="og:type" content="website">'


def test_theme_container_of_a_page_declared_a_website_is_not_an_article() -> None:
    """One sign for (the theme's container), one against (``og:type=website``): a static
    page such as "About us" is no article."""
    html = page(
        f"<div class='main'><h1>من نحن</h1><div class='entry-content'><p>{P[0]}</p></div></div>", WEBSITE_HEAD
    )
    assert extract_article(html, URL) is None


def test_container_and_long_text_outweigh_a_declared_website() -> None:
    """Two signs for, one against: no single weak sign vetoes the others."""
    html = page(
        f"<div class='main'><h1>{TITLE}</h1><div class='entry-content'>{paragraphs(P)}</div></div>",
        WEBSITE_HEAD,
    )
    assert extract(html)["body"] == BODY_OF(P)


# --- 10. language ----------------------------------------------------------------------------


def test_arabic_text_under_lang_en_is_arabic() -> None:
    html = page(f"<article><h1>{TITLE}</h1>{LONG_TEXT}</article>", ARTICLE_HEAD, lang="en")
    assert extract(html)["language"] == "ar"


# --- 11. field layers ------------------------------------------------------------------------


def test_theme_container_body_comes_from_the_site_profile() -> None:
    html = page(
        f"<article><h1>{TITLE}</h1><div class='entry-content'>{paragraphs(P)}</div></article>", ARTICLE_HEAD
    )
    assert extract(html)["field_layers"]["body"] == "site"


def test_other_template_body_comes_from_the_generic_reading() -> None:
    html = page(f"<article><h1>{TITLE}</h1>{LONG_TEXT}</article>", ARTICLE_HEAD)
    assert extract(html)["field_layers"]["body"] == "generic"


def test_article_body_itemprop_is_microdata() -> None:
    html = page(
        f'<article><h1>{TITLE}</h1><div itemprop="articleBody">{paragraphs(P)}</div></article>', ARTICLE_HEAD
    )
    assert extract(html)["field_layers"]["body"] == "microdata"


def test_jsonld_headline_is_the_jsonld_layer() -> None:
    html = jsonld_page(f'"@type": "NewsArticle", "headline": "{TITLE}"')
    assert extract(html)["field_layers"]["title"] == "jsonld"
