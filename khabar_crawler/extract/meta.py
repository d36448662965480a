"""The metadata layer: OpenGraph, ``article:*`` and classic ``<meta name>`` tags."""

from __future__ import annotations

from parsel import Selector


def parse_metas(selector: Selector) -> dict[str, list[str]]:
    """``{key: [content, ...]}`` keyed by lower-cased ``property``, ``name`` or ``itemprop``
    of the ``<meta>`` tags in ``<head>``, in document order."""
    metas: dict[str, list[str]] = {}
    for node in selector.xpath("//head//meta[@content]"):
        key = node.attrib.get("property") or node.attrib.get("name")
        content = (node.attrib.get("content") or "").strip()
        if key and content:
            metas.setdefault(key.strip().lower(), []).append(content)
    return metas


def first(metas: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        values = metas.get(key)
        if values:
            return values[0]
    return None


def all_values(metas: dict[str, list[str]], key: str) -> list[str]:
    return list(metas.get(key, []))
