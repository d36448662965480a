"""CleanPipeline: tidy display text and parse dates.

Display text keeps what the site published (NFC, invisible characters removed, white space
collapsed, leftover placeholders and sign-offs stripped); the body is rebuilt from the cleaned
sections. Dates are made ISO 8601 with offset; a date the page only showed as text
("18 يوليو 2024", "منذ ساعتين") is parsed against the fetch time, its raw text kept in
``*_raw``. (The search forms of the text are derived once, by dedupe, which fingerprints
them.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from khabar_crawler.extract.content import body_text
from khabar_crawler.extract.text import PLACEHOLDER, split_credit, strip_signoff, unique
from khabar_crawler.items import ArticleItem, Image, Section
from khabar_crawler.site import Site
from khabar_crawler.text.dates import parse_datetime, parse_display_date
from khabar_crawler.text.normalize import tidy


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
        adapter["summary"] = strip_signoff(tidy(item.summary), self.name_pattern) or None
        adapter["language"] = tidy(item.language).lower() or item.language
        adapter["authors"] = unique([tidy(a) for a in item.authors])
        adapter["tags"] = unique([tidy(t.lstrip("#").replace("_", " ")) for t in item.tags])
        sections = clean_sections(item.sections)
        adapter["sections"] = sections
        adapter["body"] = (
            body_text(sections) if sections else "\n\n".join(_paragraphs(item.body.split("\n\n")))
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
        self._dates(item)
        self._stat("items")
        return item

    def _stat(self, event: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/clean/{event}")

    def _dates(self, item: ArticleItem) -> None:
        fetched = parse_datetime(item.fetched_at) if item.fetched_at else None
        for field in ("published_at", "modified_at"):
            value: str | None = getattr(item, field)
            raw: str | None = getattr(item, f"{field}_raw") or value
            parsed: datetime | None = parse_datetime(value) if value else None
            if parsed is None and raw:
                parsed = parse_display_date(raw, now=fetched)
                if parsed is not None:
                    self._stat("date_from_text")
            setattr(item, field, parsed.isoformat() if parsed else None)
            setattr(item, f"{field}_raw", raw)


def _paragraphs(texts: list[str]) -> list[str]:
    """The paragraphs tidied, placeholders and empty ones left out."""
    return [p for p in (tidy(x) for x in texts) if p and not PLACEHOLDER.match(p)]


def clean_sections(sections: list[Section]) -> list[Section]:
    cleaned: list[Section] = []
    for section in sections:
        heading = tidy(section["heading"]) or None
        paragraphs = _paragraphs(section["paragraphs"])
        if heading or paragraphs:
            cleaned.append({"heading": heading, "paragraphs": paragraphs})
    return cleaned


def _clean_image(image: Image) -> Image:
    caption, credit = tidy(image["caption"]) or None, tidy(image["credit"]).strip("[]() ") or None
    if caption and not credit:
        caption, credit = split_credit(caption)
    return {"url": image["url"], "alt": tidy(image["alt"]) or None, "caption": caption, "credit": credit}
