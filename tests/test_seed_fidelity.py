"""The saved article pages show exactly what the seed documents show."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import golden_ids, render_lines, seed_lines


@pytest.mark.parametrize("article_id", golden_ids())
def test_rendered_page_equals_seed(
    article_id: str, saved_html: dict[str, str], source_articles: dict[str, dict[str, Any]]
) -> None:
    seed = source_articles[article_id]["seed"]
    assert render_lines(saved_html[article_id]) == seed_lines(seed)


def test_every_seed_has_a_page(source_articles: dict[str, dict[str, Any]]) -> None:
    from tests.helpers import SEEDS

    assert {a["seed"] for a in source_articles.values()} == {p.name for p in SEEDS.glob("*.txt")}
