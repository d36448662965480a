"""The microdata layer: schema.org ``itemscope``/``itemprop`` markup of an Article type.

``<div itemscope itemtype="https://schema.org/NewsArticle">`` with ``itemprop="headline"``,
``datePublished`` (``<time datetime>`` or ``<meta content>``), ``author`` (a nested Person
with its ``name``, or plain text), ``articleSection``, ``articleBody``, ``identifier``...
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from khabar_crawler.extract.jsonld import ARTICLE_TYPES
from khabar_crawler.extract.text import node_text

Element = etree._Element

#: properties whose value is a URL attribute rather than text
_URL_ATTRIBUTES = {"a": "href", "link": "href", "area": "href", "img": "src", "source": "src"}


@dataclass
class Microdata:
    """The article item of the page's microdata: each property's values in document order."""

    scope: Element | None = None
    properties: dict[str, list[str]] = field(default_factory=dict)
    #: the elements of properties whose value is a subtree (``articleBody``)
    elements: dict[str, Element] = field(default_factory=dict)

    def first(self, name: str) -> str | None:
        values = self.properties.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return list(self.properties.get(name, []))


def _is_article_scope(el: Element) -> bool:
    types = (el.get("itemtype") or "").split()
    return any(t.rstrip("/").rsplit("/", 1)[-1] in ARTICLE_TYPES for t in types)


def _value(el: Element) -> str:
    for attribute in ("content", "datetime"):
        value = el.get(attribute)
        if value is not None:
            return value.strip()
    url_attribute = _URL_ATTRIBUTES.get(el.tag if isinstance(el.tag, str) else "")
    url = el.get(url_attribute) if url_attribute else None
    if url:
        return url.strip()
    return node_text(el)


def _name_of(el: Element) -> str:
    """A nested item's name (an author Person), else its text."""
    for child in el.iter():
        if child is not el and "name" in (child.get("itemprop") or "").split():
            return _value(child)
    return _value(el)


def parse(root: Element, scopes: list[Element]) -> Microdata:
    """The first Article-typed scope among ``scopes`` (elements with ``itemtype``), read."""
    scope = next((s for s in scopes if s.get("itemscope") is not None and _is_article_scope(s)), None)
    data = Microdata(scope=scope)
    if scope is None:
        return data
    stack = list(reversed(scope))
    while stack:  # document order, not entering nested items
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        names = (el.get("itemprop") or "").split()
        nested = el.get("itemscope") is not None
        for name in names:
            value = _name_of(el) if nested else _value(el)
            if name == "articleBody":
                data.elements.setdefault(name, el)
            if value:
                data.properties.setdefault(name, []).append(value)
        if not nested:
            stack.extend(reversed(el))
    return data
