"""Text helpers shared by the extraction layers."""

from __future__ import annotations

import re

from lxml import etree

_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})
#: Lazy-loading placeholders the site's theme shows in place of pictures.
PLACEHOLDER = re.compile(r"^(?:Loading(?: image)?\s*(?:\.\.\.|…)|جار[ٍي]? التحميل\s*(?:\.\.\.|…)?)$", re.I)
#: Inline related links: "شاهد ايضاً:", "اقرأ أيضا:" ...
SEE_ALSO_PREFIX = re.compile(r"^\s*(?:شاهد|اقرأ|إقرأ|اقرا|طالع)\s+[اأإ]يض[اًا]+\s*[:：]")
_HASHTAGS_AT_END = re.compile(r"(?:\s*#[^\s#]+)+\s*$")
_HASHTAG = re.compile(r"#([^\s#]+)")
_CREDIT = re.compile(r"^(?P<caption>.*?)\s*\[(?P<credit>[^\[\]]+)\]\s*$", re.S)


def squash(text: str | None) -> str:
    """Collapse runs of white space (including no-break spaces) and trim.

    ``str.split()`` splits on exactly the characters ``\\s`` matches in a ``str`` pattern."""
    return " ".join(text.split()) if text else ""


def node_text(node: etree._Element) -> str:
    """Visible text of an element, scripts and styles left out, white space collapsed."""
    if next(node.iter(*_SKIP_TEXT_TAGS), None) is None:
        # nothing to leave out: lxml gathers the text (comments' and PIs' left out, tails kept)
        return squash("".join(node.itertext()))
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        if isinstance(el.tag, str) and el.tag.lower() in _SKIP_TEXT_TAGS:
            return
        if el.text and isinstance(el.tag, str):
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(node)
    return squash("".join(parts))


def split_hashtags(text: str) -> tuple[str, list[str]]:
    """Split trailing hashtags off a lede: ("... #a #b_c") -> ("...", ["a", "b c"])."""
    match = _HASHTAGS_AT_END.search(text)
    if not match:
        return text, []
    tags = [tag.replace("_", " ").strip() for tag in _HASHTAG.findall(match.group(0))]
    return text[: match.start()].rstrip(), [t for t in tags if t]


def strip_signoff(text: str, name_pattern: str) -> str:
    """Remove the site's name signed off at the end of a lede ("... خَبَرَيْن.")."""
    return re.sub(r"\s*[-–—|]?\s*" + name_pattern + r"\s*[.!]?\s*$", "", text).rstrip()


def strip_site_suffix(title: str, name_pattern: str) -> str:
    """Remove " - خَبَرَيْن" (or | – —) from the end or start of a document title."""
    title = re.sub(r"\s+[-–—|:]\s+" + name_pattern + r"\s*$", "", title)
    return re.sub(r"^" + name_pattern + r"\s+[-–—|:]\s+", "", title).strip()


def split_credit(caption: str) -> tuple[str | None, str | None]:
    """Split "caption [credit]" into its caption and the credit out of its brackets."""
    caption = squash(caption)
    match = _CREDIT.match(caption)
    if match:
        return (squash(match["caption"]) or None, squash(match["credit"]) or None)
    return (caption or None, None)


def unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value and value not in seen:
            seen.add(value)
            out.append(value)
    return out
