"""The generic article layer: where the article text is on a page of a template nobody here
wrote (the site's own theme changed, or the page is not the theme the site profile knows).

A readability-style reading: every block of text (a paragraph, a text-bearing ``<div>``, a
``<br>``-separated run) scores its parent and, half as much, its grandparent by its length
less its links; the best-scoring element is the article, together with those of its
siblings that score a fair share of it (a body split over several sibling containers).

Class names are judged inside the chosen container only (by the content walker), never on
its ancestors: a page wrapped in ``<form>`` (ASP.NET) or in a ``<div class="has-ad-slot">``
keeps its article. Structural chrome (``nav``, ``footer``, ``aside``, scripts) never counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from lxml import etree

from khabar_crawler.extract.page import Page

Element = etree._Element

#: subtrees whose text is never article text
CHROME_TAGS = frozenset(
    {"script", "style", "noscript", "template", "nav", "footer", "aside", "svg", "select", "button", "iframe"}
)
#: elements whose text is one block of the article
BLOCK_TEXT_TAGS = frozenset({"p", "pre", "blockquote", "li", "td", "dd"})
#: elements that may hold running text directly (between ``<br>``s)
CONTAINER_TAGS = frozenset({"div", "section", "article", "main", "span", "font", "center", "td"})
#: a block shorter than this adds little: captions, bylines, buttons
SHORT_BLOCK = 25
#: a sibling joins the best candidate when it scores at least this share of it
SIBLING_SHARE = 0.2
#: a sibling paragraph joins with this much text and few links
SIBLING_PARAGRAPH_CHARS = 80
#: how many levels above a block its text is counted (for climbing from the best candidate)
MASS_LEVELS = 6
#: how far above the best candidate containers like it are looked for
CLIMB_LEVELS = 4
#: containers like the best one are taken with it when they hold this much more text
CLIMB_GAIN = 1.25


@dataclass(frozen=True)
class Reading:
    """The generic reading of a page: the elements holding the article, in document order,
    and how much text they carry (to compare with what the site profile found)."""

    roots: tuple[Element, ...]
    chars: int


def _length(el: Element) -> int:
    return len(" ".join("".join(el.itertext()).split()))


def _text_len(el: Element) -> tuple[int, int]:
    """``(text length, link text length)`` of a block, white space collapsed."""
    total = _length(el)
    links = sum(_length(a) for a in el.iter("a")) if total else 0
    return total, min(links, total)


def _own_text_len(el: Element) -> int:
    """Length of the text directly in ``el`` (its text and its children's tails): the running
    text of a ``<div>`` whose paragraphs are separated by ``<br>``."""
    total = len(el.text.strip()) if el.text else 0
    for child in el:
        if child.tail:
            total += len(child.tail.strip())
        if child.tag in ("a", "b", "strong", "em", "i", "span", "font") and child.text:
            total += len(child.text.strip())
    return total


def _blocks(body: Element) -> Iterator[tuple[Element, int, int]]:
    """``(element, text length, link text length)`` of each text block outside chrome."""
    stack = [body]
    while stack:
        el = stack.pop()
        for child in reversed(el):
            tag = child.tag
            if isinstance(tag, str) and tag not in CHROME_TAGS and child.get("hidden") is None:
                stack.append(child)
        tag = el.tag
        if tag in BLOCK_TEXT_TAGS:
            total, links = _text_len(el)
            if total:
                yield el, total, links
        elif tag in CONTAINER_TAGS:
            own = _own_text_len(el)
            if own >= SHORT_BLOCK and any(c.tag == "br" for c in el):
                yield el, own, 0


def _weight(total: int, links: int) -> float:
    if total <= 0:
        return 0.0
    density = links / total
    base = total if total >= SHORT_BLOCK else total / 4
    return base * max(0.0, 1.0 - density) ** 2


def read(page: Page) -> Reading | None:
    """The generic reading of ``page`` (made once per page); None when it has no text block."""
    if "generic" not in page.cache:
        page.cache["generic"] = _read(page)
    return cast("Reading | None", page.cache["generic"])


def _read(page: Page) -> Reading | None:
    body = page.root.find("body")
    if body is None:
        body = page.root
    scores: dict[Element, float] = {}
    #: the weight of the text blocks under an element (a few levels up) and their raw length
    mass: dict[Element, float] = {}
    block_weight: dict[Element, float] = {}
    for el, total, links in _blocks(body):
        weight = _weight(total, links)
        node: Element | None = el
        for _ in range(MASS_LEVELS):
            if node is None:
                break
            mass[node] = mass.get(node, 0.0) + weight
            node = node.getparent()
        if weight <= 0:
            continue
        block_weight[el] = weight
        # a br-separated container is its own candidate as well as its parent's text
        targets = [el] if el.tag in CONTAINER_TAGS else []
        parent = el.getparent()
        if parent is not None:
            targets.append(parent)
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0.0) + weight / 2
        for target in targets:
            scores[target] = scores.get(target, 0.0) + weight
    if not scores:
        return None
    best = max(scores, key=lambda e: scores[e])
    roots = _repeated(best, mass) or _with_siblings(best, scores, block_weight)
    return Reading(roots=tuple(roots), chars=int(sum(mass.get(r, 0.0) for r in roots)))


def _repeated(best: Element, mass: dict[Element, float]) -> list[Element] | None:
    """The containers like ``best`` (same tag and class) that share an ancestor with it a few
    levels up, when together they hold clearly more text: a body the template splits into
    many containers of one kind (one a paragraph or two, ads between them)."""
    classes = best.get("class")
    if not classes:
        return None
    found: list[Element] | None = None
    for level, ancestor in enumerate(best.iterancestors()):
        if level >= CLIMB_LEVELS or ancestor.tag in ("body", "html"):
            break
        alike = [el for el in ancestor.iter(str(best.tag)) if el.get("class") == classes]
        total = sum(mass.get(el, 0.0) for el in alike)
        if len(alike) > 1 and total >= CLIMB_GAIN * mass.get(best, 0.0):
            found = alike
    return found


def _within(el: Element, root: Element) -> bool:
    node: Element | None = el
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def _with_siblings(
    best: Element, scores: dict[Element, float], blocks: dict[Element, float]
) -> list[Element]:
    """``best`` and those of its siblings that score a fair share of it, or are paragraphs
    of some length (an article whose paragraphs sit beside its main container)."""
    parent = best.getparent()
    if parent is None:
        return [best]
    threshold = max(10.0, scores.get(best, 0.0) * SIBLING_SHARE)
    roots = []
    for sibling in parent:
        if sibling is best:
            roots.append(sibling)
        elif not isinstance(sibling.tag, str) or sibling.tag in CHROME_TAGS:
            continue
        elif scores.get(sibling, 0.0) >= threshold or (
            sibling.tag == "p" and blocks.get(sibling, 0.0) >= SIBLING_PARAGRAPH_CHARS
        ):
            roots.append(sibling)
    return roots
