"""The metadata layer: OpenGraph, ``article:*`` and classic ``<meta name>`` tags."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree


def parse_metas(nodes: Iterable[etree._Element]) -> dict[str, list[str]]:
    """``{key: [content, ...]}`` keyed by lower-cased ``property`` or ``name`` of the
    ``<meta>`` elements among ``nodes``, in document order. Those of ``<head>`` come first;
    a key the head lacks is taken from wherever the parser put the tag (a broken head moves
    the rest of its metas into the body)."""
    head: dict[str, list[str]] = {}
    elsewhere: dict[str, list[str]] = {}
    for node in nodes:
        key = node.get("property") or node.get("name")
        content = (node.get("content") or "").strip()
        if not key or not content:
            continue
        parent = node.getparent()
        in_head = parent is not None and (
            parent.tag == "head" or next(parent.iterancestors("head"), None) is not None
        )
        (head if in_head else elsewhere).setdefault(key.strip().lower(), []).append(content)
    for key, values in elsewhere.items():
        head.setdefault(key, values)
    return head


def first(metas: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        values = metas.get(key)
        if values:
            return values[0]
    return None


def all_values(metas: dict[str, list[str]], key: str) -> list[str]:
    return list(metas.get(key, []))
