"""Fields taken layer by layer: the first candidate that gives a value, its layer recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
#: ``(layer, value thunk)``: a layer's way to a field, tried lazily
Candidate = tuple[str, Callable[[], T | None]]


def pick(layers: dict[str, str], name: str, *candidates: Candidate[T]) -> T | None:
    """The first candidate (tried lazily, in order) that gives a non-empty value; its layer
    is recorded under ``name``."""
    for layer, candidate in candidates:
        value = candidate()
        if value:
            layers[name] = layer
            return value
    return None
