"""The metadata layer: OpenGraph, ``article:*`` and classic ``<meta name>`` tags."""

from __future__ import annotations

from parsel import Selector

from khabar_crawler.extract.xpath import xpath


def parse_metas(selector: Selector) -> dict[str, list[str]]:
    """``{key: [content, ...]}`` keyed by lower-cased ``property``, ``name`` or ``itemprop``
    of the ``<meta>`` tags in ``<head>``, in document order."""
    metas: dict[str, list[str]] = {}
    for node in xpath(selector.root, "//head//meta[@content]"):
        key = node.get("property") or node.get("name")
        content = (node.get("content") or "").strip()
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
