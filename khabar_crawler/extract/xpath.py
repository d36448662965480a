"""XPath evaluation with expressions compiled once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lxml import etree


@lru_cache(maxsize=512)
def _compiled(expression: str) -> etree.XPath:
    return etree.XPath(expression)


def xpath(node: Any, expression: str) -> Any:
    """``node.xpath(expression)``, without compiling the expression again (lxml compiles a
    string expression on every call, which costs more than evaluating most of ours)."""
    return _compiled(expression)(node)
