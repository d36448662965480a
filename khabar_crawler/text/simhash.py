"""SimHash fingerprints of normalised text, for near-duplicate detection.

64-bit SimHash over word shingles (3 words) hashed with BLAKE2b. The fingerprint is split
into four 16-bit bands that the database indexes: two texts whose fingerprints differ in at
most 3 bits (similarity >= 0.953) always share a band; pairs further apart are found when a
band happens to agree, so the configured threshold is checked on the candidates found.
"""

from __future__ import annotations

import hashlib
from collections import deque
from itertools import repeat

BITS = 64
BANDS = 4
_MASK = (1 << BITS) - 1

#: BLAKE2b with an 8-byte digest, set up once: each shingle's hasher is a copy of it (setting
#: one up with its parameters costs more than hashing a shingle)
_BLAKE2B_8 = hashlib.blake2b(digest_size=8)
_copy, _update, _digest = hashlib.blake2b.copy, hashlib.blake2b.update, hashlib.blake2b.digest


def _digests(tokens: list[bytes]) -> bytes:
    """The 8-byte BLAKE2b digests of ``tokens``, end to end (one loop in C, no Python frame
    per token)."""
    hashers = list(map(_copy, repeat(_BLAKE2B_8, len(tokens))))
    deque(map(_update, hashers, tokens), maxlen=0)
    return b"".join(map(_digest, hashers))


def simhash(words: list[str], shingle: int = 3) -> int:
    """Unsigned 64-bit SimHash of ``words`` (shorter texts use their words as shingles).

    Bit ``i`` is set when more than half of the shingles' hashes (each digest read as a
    big-endian integer) have it set. The digests are laid end to end; the count of bit ``i``
    is a population count over one byte column (byte ``7 - i // 8`` of every digest), so the
    work per shingle is the hash and a few whole-column operations, not a Python loop.
    """
    encoded = list(map(str.encode, words))
    if len(encoded) >= shingle:
        tokens = list(map(b" ".join, zip(*(encoded[i:] for i in range(shingle)), strict=False)))
    else:
        tokens = encoded
    if not tokens:
        return 0
    digests = _digests(tokens)
    threshold = len(tokens) // 2
    ones = int.from_bytes(b"\x01" * len(tokens), "big")  # bit 0 of every byte of a column
    value = 0
    for byte in range(8):
        column = int.from_bytes(digests[byte::8], "big")
        low = 56 - 8 * byte  # the column's bits are bits low .. low + 7 of the hash
        for bit in range(8):
            if ((column >> bit) & ones).bit_count() > threshold:
                value |= 1 << (low + bit)
    return value


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
