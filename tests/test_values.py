"""Values as JSON and the database hold them: one conversion for every writer and reader."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from khabar_crawler.db.values import jsonable, search_columns
from khabar_crawler.text.normalize import SEARCH_PROFILE

AT = datetime(2024, 7, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (3, 3),
        (0.5, 0.5),
        (True, True),
        ("نص", "نص"),
        (AT, "2024-07-01T09:30:00+00:00"),
        (date(2024, 7, 1), "2024-07-01"),
        ({"start": AT, 1: [AT, ("a", 2)]}, {"start": AT.isoformat(), "1": [AT.isoformat(), ["a", 2]]}),
        (Decimal("1.5"), "1.5"),
        (Path("data/khabar.db"), "data/khabar.db"),
    ],
    ids=["none", "int", "float", "bool", "text", "datetime", "date", "nested", "decimal", "other"],
)
def test_jsonable(value: object, expected: object) -> None:
    assert jsonable(value) == expected


def test_jsonable_is_a_json_default() -> None:
    assert json.loads(json.dumps({"at": AT, "day": date(2024, 7, 1)}, default=jsonable)) == {
        "at": "2024-07-01T09:30:00+00:00",
        "day": "2024-07-01",
    }


def test_search_columns_are_the_search_forms_and_their_profile() -> None:
    assert search_columns("مدرسة أحمد", None, "الأوروبي") == {
        "title_search": "مدرسه احمد ـمدرس ـاحمد",
        "summary_search": "",
        "body_search": "الاوروبي ـاوروب",
        "search_profile": SEARCH_PROFILE,
    }
