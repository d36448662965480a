"""SimHash: the fingerprints stored before the column-count implementation are unchanged."""

from __future__ import annotations

import hashlib
import random

import pytest

from khabar_crawler.text.normalize import search_form, words
from khabar_crawler.text.simhash import bands, simhash, similarity, to_signed, to_unsigned
from tests.helpers import golden, golden_ids

_MASK = (1 << 64) - 1


def reference(words: list[str], shingle: int = 3) -> int:
    """The implementation the stored fingerprints were computed with (bit-sliced counters,
    one BLAKE2b object per shingle), kept verbatim as the reference."""
    if len(words) >= shingle:
        tokens = [" ".join(words[i : i + shingle]) for i in range(len(words) - shingle + 1)]
    else:
        tokens = words
    planes: list[int] = []
    for token in tokens:
        carry = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")
        for k in range(len(planes)):
            if not carry:
                break
            planes[k], carry = planes[k] ^ carry, planes[k] & carry
        if carry:
            planes.append(carry)
    threshold = len(tokens) // 2
    gt, eq = 0, _MASK
    for k in reversed(range(max(len(planes), threshold.bit_length()))):
        plane = planes[k] if k < len(planes) else 0
        if threshold >> k & 1:
            eq &= plane
        else:
            gt |= eq & plane
            eq &= ~plane & _MASK
    return gt


@pytest.mark.parametrize("article_id", golden_ids())
def test_fixture_articles_keep_their_fingerprints(article_id: str) -> None:
    article = golden(article_id)
    for text in (article["body"], article["title"], article["summary"]):
        tokens = words(search_form(text))
        assert simhash(tokens) == reference(tokens)


def test_random_texts_keep_their_fingerprints() -> None:
    rng = random.Random(18)
    letters = "abcdeابتثجحخدذرزسشصضطظعغفقكلمنهوي٠١٢"
    vocabulary = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 9))) for _ in range(300)]
    sizes = [*range(12), 40, 127, 128, 255, 256, 257, 1000, 4000]
    for size in sizes:
        for _ in range(8):
            tokens = [rng.choice(vocabulary) for _ in range(size)]
            for shingle in (1, 2, 3, 5):
                assert simhash(tokens, shingle) == reference(tokens, shingle), (size, shingle)


def test_repeated_shingles_and_edge_cases() -> None:
    assert simhash([]) == reference([]) == 0
    for tokens in (["خبر"], ["خبر", "عاجل"], ["خبر"] * 50, ["a", "b"] * 101, ["", "", ""]):
        assert simhash(tokens) == reference(tokens)


def test_known_value_and_helpers() -> None:
    """A pinned fingerprint: a stored one must never change without a migration."""
    pangram = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
    value = simhash(pangram)
    assert value == reference(pangram) == 0x77B12FE87CF06675
    assert to_unsigned(to_signed(value)) == value
    b0, b1, b2, b3 = bands(value)
    assert b0 | b1 << 16 | b2 << 32 | b3 << 48 == value
    assert similarity(value, value) == 1.0
    assert similarity(value, value ^ 1) == 1 - 1 / 64
