"""Deterministic synthetic Arabic articles for benchmarks, from the fixtures' own vocabulary."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ("آسيا", "العالم", "سياسة", "اقتصاد", "رياضة", "تكنولوجيا", "صحة", "أعمال")
_WORD = re.compile(r"[\w\u064b-\u065f\u0670]+")


@cache
def vocabulary() -> tuple[str, ...]:
    """Words of the golden bodies, most frequent first (repeats kept out)."""
    counts: dict[str, int] = {}
    for path in sorted((ROOT / "fixtures" / "khabarayn" / "expected").glob("*.json")):
        for word in _WORD.findall(json.loads(path.read_text("utf-8"))["body"]):
            if not word.isdigit():
                counts[word] = counts.get(word, 0) + 1
    return tuple(sorted(counts, key=lambda w: (-counts[w], w)))


@dataclass(frozen=True)
class SyntheticArticle:
    number: int
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    headings: tuple[str, ...]
    category: str
    tags: tuple[str, ...]
    published_at: datetime

    @property
    def article_id(self) -> str:
        return str(100000 + self.number)

    @property
    def url(self) -> str:
        return f"https://khabarayn.com/news/{self.article_id}/synthetic-{self.number}/"

    @property
    def body(self) -> str:
        parts: list[str] = []
        for heading, paragraph in zip(self.headings, self.paragraphs, strict=True):
            parts += [heading, paragraph]
        return "\n\n".join(parts)


class Corpus:
    """``Corpus(seed).articles(n)``: the same articles for the same seed, every time."""

    def __init__(self, seed: int = 2024) -> None:
        self.seed = seed
        words = vocabulary()
        # Zipf-like weights: common words common, rare words rare
        self.words = words
        self.weights = [1.0 / (rank + 1) for rank in range(len(words))]

    def _sentence(self, rng: random.Random, low: int, high: int) -> str:
        return " ".join(rng.choices(self.words, self.weights, k=rng.randint(low, high)))

    def article(self, number: int) -> SyntheticArticle:
        rng = random.Random(self.seed * 1_000_003 + number)
        sections = rng.randint(2, 6)
        return SyntheticArticle(
            number=number,
            title=self._sentence(rng, 5, 11),
            summary=self._sentence(rng, 18, 30) + ".",
            headings=tuple(self._sentence(rng, 3, 7) for _ in range(sections)),
            paragraphs=tuple(
                " ".join(self._sentence(rng, 10, 24) + "." for _ in range(rng.randint(1, 3)))
                for _ in range(sections)
            ),
            category=rng.choice(CATEGORIES),
            tags=tuple(sorted(set(rng.choices(self.words[:300], k=rng.randint(1, 4))))),
            published_at=datetime(2020, 1, 1, tzinfo=UTC)
            + timedelta(minutes=rng.randint(0, 6 * 365 * 24 * 60)),
        )

    def articles(self, count: int, start: int = 0) -> Iterator[SyntheticArticle]:
        for number in range(start, start + count):
            yield self.article(number)

    def queries(self, count: int) -> list[str]:
        """Search queries in the shapes analysts type: frequent and rare words, two words,
        phrases from real sentences, prefixes; with hamza and ta marbuta as published."""
        rng = random.Random(self.seed + 7)
        common, rare = self.words[:200], self.words[len(self.words) // 2 :]
        shapes = []
        for index in range(count):
            kind = index % 5
            if kind == 0:
                shapes.append(rng.choice(common))
            elif kind == 1:
                shapes.append(rng.choice(rare))
            elif kind == 2:
                shapes.append(f"{rng.choice(common)} {rng.choice(rare)}")
            elif kind == 3:
                sentence = self._sentence(rng, 8, 12).split()
                at = rng.randrange(len(sentence) - 1)
                shapes.append(f'"{sentence[at]} {sentence[at + 1]}"')
            else:
                word = rng.choice([w for w in common if len(w) >= 5])
                shapes.append(word[:4] + "*")
        return shapes
