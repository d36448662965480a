"""bench.instructions on a tiny slice: callgrind counts are positive and the same command run
twice counts the same instructions (within 1%). Needs valgrind: skipped without it, except
under CI=true, where every machine has it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import instructions, snapshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not instructions.valgrind_available():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("valgrind is not installed; CI must run the instruction counts")
        pytest.skip("valgrind is not installed (apt-get install valgrind)")
    return snapshot.build(3, tmp_path_factory.mktemp("instructions") / "site-3")


def test_extraction_counts_are_positive_and_repeatable(site: Path, tmp_path: Path) -> None:
    def count(pages: int) -> tuple[int, int]:
        args = ["extract", "--which", "ours", "--snapshot", str(site), "--load", "3", "--count", str(pages)]
        total, result = instructions.callgrind(args, tmp_path)
        return total, int(result["units"])

    (one, one_pages), (three, three_pages) = count(1), count(3)
    again, _ = count(3)
    assert (one_pages, three_pages) == (1, 3)
    assert 0 < one < three
    assert abs(again - three) / three < 0.01
    # the marginal count of a page: what extraction costs, start-up cancelled out
    per_page = (three - one) / 2
    assert 500_000 < per_page < 100_000_000
    assert not list(tmp_path.glob("callgrind.out.*"))  # read and removed
