"""Images of an article: figures with lazy sources, captions and credits; the header's hero."""

from __future__ import annotations

from lxml import etree
from w3lib.url import safe_url_string

from khabar_crawler.extract.dom import in_chrome, inside, precedes, tag_name
from khabar_crawler.extract.markup import article_root
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.related import related_root
from khabar_crawler.extract.text import node_text, split_credit, squash
from khabar_crawler.extract.xpath import xpath
from khabar_crawler.items import Image

Element = etree._Element


def _image_src(img: Element) -> str | None:
    for attr in ("data-src", "data-lazy-src", "data-original", "data-url"):
        value = img.get(attr)
        if value and value.strip() and not value.strip().startswith("data:"):
            return value.strip()
    for attr in ("data-srcset", "data-lazy-srcset", "srcset"):
        value = img.get(attr)
        if value and value.strip():
            return _largest_in_srcset(value)
    src = img.get("src")
    if src and src.strip() and not src.strip().startswith("data:"):
        return src.strip()
    return None


def _largest_in_srcset(srcset: str) -> str | None:
    best: tuple[float, str] | None = None
    for candidate in srcset.split(","):
        parts = candidate.split()
        if not parts or parts[0].startswith("data:"):
            continue
        size = 0.0
        if len(parts) > 1 and parts[1][:-1].replace(".", "", 1).isdigit():
            size = float(parts[1][:-1])
        if best is None or size > best[0]:
            best = (size, parts[0])
    return best[1] if best else None


def _image_url(page: Page, src: str) -> str | None:
    absolute = page.absolute(src)
    if absolute is None:
        return None
    if page.site.is_on_site(absolute):
        return page.site.to_site_url(absolute)
    return safe_url_string(absolute)


def _caption(figcaption: Element | None) -> tuple[str | None, str | None]:
    if figcaption is None:
        return None, None
    credit_nodes = xpath(figcaption, './/*[contains(@class, "credit") or contains(@class, "copyright")]')
    if credit_nodes:
        credit = node_text(credit_nodes[0]).strip("[]() ")
        full = node_text(figcaption)
        caption_text, bracketed = split_credit(full)
        if bracketed:
            return caption_text, bracketed
        caption_only = squash(full.replace(node_text(credit_nodes[0]), ""))
        return caption_only or None, credit or None
    return split_credit(node_text(figcaption))


def figure_images(page: Page, el: Element) -> list[Image]:
    """Images of a ``<figure>`` (or a bare ``<img>``), lazy sources and noscript copies included."""
    figcaption = el.find(".//figcaption") if tag_name(el) != "img" else None
    caption, credit = _caption(figcaption)
    images: list[Image] = []
    imgs = [el] if tag_name(el) == "img" else list(el.iter("img"))
    seen: set[str] = set()
    for img in imgs:
        src = _image_src(img)
        url = _image_url(page, src) if src else None
        if not url or url in seen:
            continue
        seen.add(url)
        alt = squash(img.get("alt")) or None
        images.append({"url": url, "alt": alt, "caption": caption, "credit": credit})
    return images


def hero_images(page: Page, content_el: Element | None) -> list[Image]:
    """Figures of the article header: before the content, outside cards, site header and footer."""
    scope = article_root(page)
    if scope is None:
        scope = page.root.find(".//body")
    if scope is None:
        return []
    related = related_root(page)
    excluded = [e for e in (content_el, related) if e is not None]
    images: list[Image] = []
    for figure in scope.iter("figure"):
        if inside(figure, excluded) or in_chrome(figure):
            continue
        if content_el is not None and precedes(content_el, figure):
            continue
        images.extend(figure_images(page, figure))
    return images
