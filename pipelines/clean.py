"""CleanPipeline: tidy display text, add the normalised search forms, parse dates.

Display text keeps what the site published (NFC, invisible characters removed, white space
collapsed, leftover placeholders and sign-offs stripped). The search forms of title, summary
and body (profile :data:`~khabar_crawler.text.normalize.SEARCH_PROFILE`) are added beside it. Dates
are made ISO 8601 with offset; a date the page only showed as text ("18 يوليو 2024",
"منذ ساعتين") is parsed against the fetch time, its raw text kept in ``*_raw``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from khabar_crawler.extract.text import PLACEHOLDER, split_credit, strip_signoff
from khabar_crawler.items import ArticleItem, Section
from khabar_crawler.site import Site
from khabar_crawler.text.dates import parse_datetime, parse_display_date
from khabar_crawler.text.normalize import SEARCH_PROFILE, search_form, tidy


class CleanPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.name_pattern = Site.from_settings(crawler.settings).name_pattern()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        adapter = ItemAdapter(item)
        for name in ("title", "category"):
            adapter[name] = tidy(adapter[name]) or None
        summary = tidy(item.summary)
        adapter["summary"] = strip_signoff(summary, self.name_pattern) or None
        adapter["language"] = tidy(item.language).lower() or item.language
        adapter["authors"] = _unique(tidy(a) for a in item.authors)
        adapter["tags"] = _unique(tidy(t.lstrip("#").replace("_", " ")) for t in item.tags)
        sections = clean_sections(item.sections)
        adapter["sections"] = sections
        adapter["body"] = (
            body_of(sections)
            if sections
            else "\n\n".join(
                p for p in (tidy(x) for x in item.body.split("\n\n")) if p and not PLACEHOLDER.match(p)
            )
        )
        adapter["images"] = [_clean_image(i) for i in item.images]
        adapter["see_also"] = [{"title": tidy(x["title"]), "url": x["url"]} for x in item.see_also]
        adapter["related"] = [
            {
                "title": tidy(c["title"]),
                "url": c["url"],
                "summary": tidy(c["summary"]) or None,
                "category": tidy(c["category"]) or None,
            }
            for c in item.related
        ]
        adapter["title_search"] = search_form(item.title)
        adapter["summary_search"] = search_form(item.summary)
        adapter["body_search"] = search_form(item.body)
        adapter["search_profile"] = SEARCH_PROFILE
        self._dates(item)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("khabar/clean/items")
        return item

    def _dates(self, item: ArticleItem) -> None:
        fetched = parse_datetime(item.fetched_at) if item.fetched_at else None
        for field in ("published_at", "modified_at"):
            value: str | None = getattr(item, field)
            raw: str | None = getattr(item, f"{field}_raw") or value
            parsed: datetime | None = parse_datetime(value) if value else None
            if parsed is None and raw:
                parsed = parse_display_date(raw, now=fetched)
                if parsed is not None:
                    assert self.crawler.stats is not None
                    self.crawler.stats.inc_value("khabar/clean/date_from_text")
            setattr(item, field, parsed.isoformat() if parsed else None)
            setattr(item, f"{field}_raw", raw)


def clean_sections(sections: list[Section]) -> list[Section]:
    cleaned: list[Section] = []
    for section in sections:
        heading = tidy(section["heading"]) or None
        paragraphs = [p for p in (tidy(x) for x in section["paragraphs"]) if p and not PLACEHOLDER.match(p)]
        if heading or paragraphs:
            cleaned.append({"heading": heading, "paragraphs": paragraphs})
    return cleaned


def body_of(sections: list[Section]) -> str:
    """The body: headings and paragraphs in order, joined by a blank line."""
    parts: list[str] = []
    for section in sections:
        if section["heading"]:
            parts.append(section["heading"])
        parts.extend(section["paragraphs"])
    return "\n\n".join(parts)


def _clean_image(image: Any) -> Any:
    caption, credit = tidy(image["caption"]) or None, tidy(image["credit"]).strip("[]() ") or None
    if caption and not credit:
        caption, credit = split_credit(caption)
    return {"url": image["url"], "alt": tidy(image["alt"]) or None, "caption": caption, "credit": credit}


def _unique(values: Any) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out
