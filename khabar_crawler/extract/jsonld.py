"""The JSON-LD layer: NewsArticle (or another Article type) and BreadcrumbList."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
    }
)
#: HTML comment and CDATA wrappers some CMSs put around a JSON-LD block
_OPENERS = ("<!--", "//<![CDATA[", "<![CDATA[")
_CLOSERS = ("-->", "//]]>", "]]>")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _unwrap(text: str) -> str:
    text = text.strip()
    for opener in _OPENERS:
        if text.startswith(opener):
            text = text[len(opener) :]
            break
    for closer in _CLOSERS:
        if text.endswith(closer):
            text = text[: -len(closer)]
            break
    return text


def _loads(text: str) -> Any:
    text = _unwrap(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    # control characters, and raw newlines/tabs inside strings, are common in CMS output
    cleaned = _CONTROL.sub(" ", text)
    try:
        return json.loads(cleaned)
    except json.JSONDecodeError:
        return json.loads(cleaned, strict=False)


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _flatten(entry)
    elif isinstance(data, dict):
        graph = data.get("@graph")
        if graph is not None:
            yield from _flatten(graph)
        if "@type" in data:
            yield data


def parse_nodes(scripts: Iterable[etree._Element]) -> list[dict[str, Any]]:
    """All typed JSON-LD nodes of the page's ``<script>`` elements (``@graph`` flattened);
    broken blocks are skipped."""
    nodes: list[dict[str, Any]] = []
    for script in scripts:
        text = script.text
        if script.get("type") != "application/ld+json" or not text:
            continue
        try:
            nodes.extend(_flatten(_loads(text)))
        except (json.JSONDecodeError, ValueError):
            continue
    return nodes


def types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def article_node(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    for node in nodes:
        if types(node) & ARTICLE_TYPES:
            return node
    return None


def breadcrumb_names(nodes: list[dict[str, Any]]) -> list[str]:
    for node in nodes:
        if "BreadcrumbList" in types(node):
            items = node.get("itemListElement") or []
            if isinstance(items, dict):
                items = [items]
            ordered = sorted(
                (i for i in items if isinstance(i, dict)),
                key=lambda i: int(i.get("position") or 0) if str(i.get("position") or "0").isdigit() else 0,
            )
            names = []
            for entry in ordered:
                name = entry.get("name")
                if not name and isinstance(entry.get("item"), dict):
                    name = entry["item"].get("name")
                names.append(str(name).strip() if name else "")
            return names
    return []


def text(node: dict[str, Any] | None, key: str) -> str | None:
    if not node:
        return None
    value = node.get(key)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return unescaped(value) or None if isinstance(value, str) else None


def unescaped(value: str) -> str:
    """A JSON-LD string as text: HTML entities (``&quot;``, ``&#039;``) decoded, tags and
    surrounding white space removed (CMSs write escaped HTML into JSON-LD)."""
    if "&" in value:
        value = html.unescape(value)
    if "<" in value:
        value = _TAG.sub(" ", value)
    return " ".join(value.split()) if "  " in value or "\n" in value else value.strip()


def names(value: Any) -> list[str]:
    """Names of a Person/Organization value, a list of them, or plain strings."""
    values = value if isinstance(value, list) else [value]
    out = []
    for entry in values:
        if isinstance(entry, str):
            out.append(unescaped(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            out.append(unescaped(entry["name"]))
    return [n for n in out if n]


def urls(value: Any) -> list[str]:
    """URLs of an ImageObject / WebPage value, a list of them, or plain strings."""
    values = value if isinstance(value, list) else [value]
    out = []
    for entry in values:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict):
            url = entry.get("url") or entry.get("@id") or entry.get("contentUrl")
            if isinstance(url, str):
                out.append(url)
    return [u.strip() for u in out if u.strip()]


def keywords(node: dict[str, Any] | None) -> list[str]:
    if not node:
        return []
    value = node.get("keywords")
    if isinstance(value, str):
        return [unescaped(k) for k in re.split(r"[,،]", value) if k.strip()]
    if isinstance(value, list):
        return [unescaped(k) for k in value if isinstance(k, str) and k.strip()]
    return []
