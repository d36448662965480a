"""Golden tests: every golden field of each saved article, exactly."""

from __future__ import annotations

from typing import Any

import pytest

from khabar_crawler.items import GOLDEN_FIELDS
from tests.helpers import golden, golden_ids, seed_lines

CASES = [(aid, field) for aid in golden_ids() for field in GOLDEN_FIELDS]


@pytest.mark.parametrize(("article_id", "field"), CASES)
def test_field_equals_golden(article_id: str, field: str, extracted: dict[str, dict[str, Any]]) -> None:
    assert extracted[article_id][field] == golden(article_id)[field]


def seed_body(lines: list[str]) -> str:
    """The article content of a seed: between the share block and the related news, without
    see-also lines and the lazy image's alt text, placeholder and caption."""
    start = lines.index("FacebookTwitterLinkedInEmail") + 1
    end = lines.index("أخبار ذات صلة")
    content = lines[start:end]
    dropped = set()
    for i, line in enumerate(content):
        if line == "Loading image...":
            dropped |= {i - 1, i, i + 1}
        elif line.startswith("شاهد ايضاً:"):
            dropped.add(i)
    return "\n\n".join(line for i, line in enumerate(content) if i not in dropped)


@pytest.mark.parametrize("article_id", golden_ids())
def test_body_equals_seed_paragraphs(
    article_id: str, extracted: dict[str, dict[str, Any]], source_articles: dict[str, dict[str, Any]]
) -> None:
    assert extracted[article_id]["body"] == seed_body(seed_lines(source_articles[article_id]["seed"]))


@pytest.mark.parametrize("article_id", golden_ids())
def test_golden_files_keep_arabic_readable(article_id: str) -> None:
    from tests.helpers import SNAPSHOT

    assert "\\u" not in (SNAPSHOT / "expected" / f"{article_id}.json").read_text("utf-8")


@pytest.mark.parametrize("article_id", golden_ids())
def test_the_site_profile_reads_the_body_of_the_sites_own_pages(
    article_id: str, extracted: dict[str, dict[str, Any]]
) -> None:
    """The body layer the site_profile alarm watches: the site's own theme is the profile's,
    even where its container is also schema.org's articleBody."""
    assert extracted[article_id]["field_layers"]["body"] == "site"
