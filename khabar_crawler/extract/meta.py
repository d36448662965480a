"""The metadata layer: OpenGraph, ``article:*`` and classic ``<meta name>`` tags."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree


def parse_metas(nodes: Iterable[etree._Element]) -> dict[str, list[str]]:
    """``{key: [content, ...]}`` keyed by lower-cased ``property`` or ``name`` of the
    ``<meta>`` elements among ``nodes`` that lie in ``<head>``, in document order."""
    metas: dict[str, list[str]] = {}
    for node in nodes:
        parent = node.getparent()
        in_head = parent is not None and (
            parent.tag == "head" or next(parent.iterancestors("head"), None) is not None
        )
        if not in_head or node.get("content") is None:
            continue
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
