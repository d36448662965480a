"""SimHash fingerprints of normalised text, for near-duplicate detection.

64-bit SimHash over word shingles (3 words) hashed with BLAKE2b. The fingerprint is split
into four 16-bit bands that the database indexes: two texts whose fingerprints differ in at
most 3 bits (similarity >= 0.953) always share a band; pairs further apart are found when a
band happens to agree, so the configured threshold is checked on the candidates found.
"""

from __future__ import annotations

import hashlib

BITS = 64
BANDS = 4
_MASK = (1 << BITS) - 1


def _hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(words: list[str], shingle: int = 3) -> int:
    """Unsigned 64-bit SimHash of ``words`` (shorter texts use their words as shingles).

    Bit ``i`` is set when more than half of the shingles' hashes have it set. The 64 counts
    are kept bit-sliced (``planes[k]`` holds bit ``k`` of every count), so adding a hash costs
    a few whole-word operations instead of 64 additions.
    """
    if len(words) >= shingle:
        tokens = [" ".join(words[i : i + shingle]) for i in range(len(words) - shingle + 1)]
    else:
        tokens = words
    planes: list[int] = []
    for token in tokens:
        carry = _hash(token)
        for k in range(len(planes)):
            if not carry:
                break
            planes[k], carry = planes[k] ^ carry, planes[k] & carry
        if carry:
            planes.append(carry)
    # bit i is set where count_i > len(tokens) // 2: a bit-sliced comparison with a constant,
    # from the most significant plane down (gt: already greater; eq: equal so far)
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


def similarity(a: int, b: int) -> float:
    return 1.0 - ((a ^ b) & _MASK).bit_count() / BITS


def bands(value: int) -> tuple[int, int, int, int]:
    width = BITS // BANDS
    b0, b1, b2, b3 = ((value >> (i * width)) & ((1 << width) - 1) for i in range(BANDS))
    return b0, b1, b2, b3


def to_signed(value: int) -> int:
    """The value as a signed 64-bit integer (BIGINT columns are signed)."""
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def to_unsigned(value: int) -> int:
    return value & _MASK
