"""A search query as the user wrote it, parsed into a tree of terms, pure (no SQL).

A query goes through the same profile as the stored search forms (``ar-v2``:
:func:`~khabar_crawler.text.normalize.fold`, then :func:`~khabar_crawler.text.stem.stem`), so أحمد
finds احمد, مدرسة finds مدرسه, مسئول finds مسؤول, كوريا finds وكوريا, دفاع finds الدفاعية; tashkeel,
tatweel and bidi marks never matter. The query language:

- ``word word``: every word must occur (``AND`` may be written between them), as written or as
  another form of its stem (the form as written ranks higher: it matches the word and its stem);
- ``"two words"``: a phrase, when the query's quotes are balanced (unbalanced quotes are
  plain text, as are unbalanced parentheses): its stems in that order (``"كوريا الجنوبية"``
  finds ``وكوريا الجنوبية``);
- ``word*``: a prefix, of the word as written or of the word without its و and article;
- ``a OR b``: either; ``AND`` binds tighter than ``OR`` (``a b OR c`` is ``(a b) OR c``);
- ``-word``, ``NOT word``: the word must not occur (beside at least one word that must);
- ``( )``: grouping, e.g. ``الصين (اليابان OR كوريا) -روسيا``.

The operators are ``OR``, ``AND`` and ``NOT`` in capitals, as separate words; in any other
case they are words (``or``). Everything else (FTS5 or tsquery operators, SQL, punctuation) is
plain text: a term holds word tokens only, which the back ends
(:mod:`~khabar_crawler.query.search_sqlite`, :mod:`~khabar_crawler.query.search_postgres`) turn
into their own match expressions. The snippet shown with a hit is cut here too, from the
display text, with the query's words marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from khabar_crawler.text.normalize import STEM_MARK, fold, search_form, words
from khabar_crawler.text.stem import stem, strip_prefixes

#: a quoted phrase, a parenthesis, or a run of anything else
_LEXEME = re.compile(r'"([^"]*)"|([()])|([^\s()"]+)')
_OPERATORS = frozenset({"OR", "AND", "NOT"})
_DISPLAY_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640\u200c\u200d]+")


class QueryError(ValueError):
    """A query that cannot be searched (nothing to look for, an operator without its
    operands, unbalanced parentheses); the message says why."""


@dataclass(frozen=True)
class Term:
    """A word (``prefix``: any word it begins) or, of several words, a phrase."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def stems(self) -> tuple[str, ...]:
        """The marked stems the index holds for the words (of a prefix: the word without its
        و and article, a stem's beginning)."""
        if self.prefix:
            return (STEM_MARK + strip_prefixes(self.words[0]),)
        return tuple(STEM_MARK + stem(word) for word in self.words)


@dataclass(frozen=True)
class Not:
    """What must not occur (only ever a part of an :class:`All` beside a positive part)."""

    node: Node


@dataclass(frozen=True)
class All:
    """Every part must match (the negated ones must not); two parts or more."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    """One part at least must match; two parts or more, none negated."""

    nodes: tuple[Node, ...]


Node = Term | Not | All | AnyOf


@dataclass(frozen=True)
class Query:
    """A parsed query: the raw text and its tree."""

    raw: str
    root: Node

    @property
    def terms(self) -> tuple[Term, ...]:
        """The terms that match positively (not under a negation), each once, in order: what
        ranks a hit and is marked in its snippet."""
        return tuple(dict.fromkeys(_positive_terms(self.root)))

    @property
    def required(self) -> tuple[Term, ...]:
        """The terms every hit holds (the root's positive terms, or the root itself)."""
        nodes = self.root.nodes if isinstance(self.root, All) else (self.root,)
        return tuple(node for node in nodes if isinstance(node, Term))

    def without(self, terms: tuple[Term, ...]) -> Node | None:
        """The tree without some of the :attr:`required` terms (None: nothing left)."""
        if isinstance(self.root, Term):
            return None if self.root in terms else self.root
        if not isinstance(self.root, All):
            return self.root
        rest = tuple(node for node in self.root.nodes if node not in terms)
        if not any(not isinstance(node, Not) for node in rest):
            return None
        return rest[0] if len(rest) == 1 else All(rest)

    def matches(self, word: str) -> bool:
        """Whether a word of the text is one the query looks for (for snippets)."""
        word = fold(word)
        stemmed = STEM_MARK + stem(word)
        for term in self.terms:
            if term.is_phrase:
                if word in term.words or stemmed in term.stems:
                    return True
            elif term.prefix:
                if word.startswith(term.words[0]) or stemmed.startswith(term.stems[0]):
                    return True
            elif word == term.words[0] or stemmed == term.stems[0]:
                return True
        return False


def _positive_terms(node: Node) -> Iterator[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, All | AnyOf):
        for part in node.nodes:
            yield from _positive_terms(part)


def _words(text: str) -> list[str]:
    """Letters and digits only, as the index has them (``_`` separates words)."""
    return [part for word in words(fold(text)) for part in word.split("_") if part]


# --- parsing ----------------------------------------------------------------------------------

_OPEN, _CLOSE, _NEGATE = "(", ")", "-"


def _lexemes(raw: str) -> list[str | Term]:
    """Operators and parentheses as strings, everything else as terms (a run of text may
    give several words: ``covid-19`` is two, grouped)."""
    if raw.count('"') % 2:
        raw = raw.replace('"', " ")
    if raw.count(_OPEN) != raw.count(_CLOSE):
        raw = raw.replace(_OPEN, " ").replace(_CLOSE, " ")
    out: list[str | Term] = []
    for match in _LEXEME.finditer(raw):
        phrase, paren, run = match.groups()
        if paren:
            out.append(paren)
        elif phrase is not None:
            if tokens := tuple(_words(phrase)):
                out.append(Term(tokens))
        elif run in _OPERATORS:
            out.append(run)
        elif run == _NEGATE:
            if raw[match.end() : match.end() + 1] in ('"', _OPEN):
                out.append("NOT")  # -"a phrase", -(a group)
        else:
            negated = run.startswith(_NEGATE)
            parts = _words(run)
            if not parts:
                continue
            terms = [
                Term((part,), prefix=run.endswith("*") and i == len(parts) - 1)
                for i, part in enumerate(parts)
            ]
            if negated:
                out.append("NOT")
            out.extend([_OPEN, *terms, _CLOSE] if len(terms) > 1 else terms)
    return out


class _Parser:
    """Recursive descent over the lexemes: or := and (OR and)*; and := unary (AND? unary)*;
    unary := NOT unary | ( or ) | term."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.items = _lexemes(raw)
        self.at = 0

    def peek(self) -> str | Term | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self) -> str | Term | None:
        item = self.peek()
        self.at += 1
        return item

    def fail(self, why: str) -> QueryError:
        return QueryError(f"{why} in {self.raw!r}")

    def parse(self) -> Node:
        node = self.any_of()
        if self.peek() == _CLOSE:
            raise self.fail("a ')' without its '('")
        if node is None:
            raise QueryError(f"nothing to search for in {self.raw!r}: give at least one word")
        return node

    def any_of(self) -> Node | None:
        parts = [self.all_of()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.all_of())
        if len(parts) > 1 and any(part is None for part in parts):
            raise self.fail("OR needs a word on both sides")
        return _any_of([part for part in parts if part is not None])

    def all_of(self) -> Node | None:
        parts: list[Node] = []
        while (item := self.peek()) not in (None, _CLOSE, "OR"):
            if item == "AND":
                self.take()
                continue
            if (part := self.unary()) is not None:
                parts.append(part)
        return _all_of(parts) if parts else None

    def unary(self) -> Node | None:
        item = self.take()
        if item == "NOT":
            if self.peek() in (None, _CLOSE, "OR", "AND"):
                raise self.fail("NOT (or -) needs a word after it")
            inner = self.unary()
            return None if inner is None else (inner.node if isinstance(inner, Not) else Not(inner))
        if item == _OPEN:
            inner = self.any_of()
            if self.take() != _CLOSE:
                raise self.fail("a '(' without its ')'")
            return inner
        assert isinstance(item, Term)
        return item


def _all_of(parts: list[Node]) -> Node:
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.nodes if isinstance(part, All) else (part,))
    unique = tuple(dict.fromkeys(flat))
    if all(isinstance(part, Not) for part in unique):
        raise QueryError("-word and NOT only exclude: give at least one word that must occur beside them")
    return unique[0] if len(unique) == 1 else All(unique)


def _any_of(parts: list[Node]) -> Node | None:
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.nodes if isinstance(part, AnyOf) else (part,))
    unique = tuple(dict.fromkeys(flat))
    if not unique:
        return None
    if any(isinstance(part, Not) for part in unique):
        raise QueryError("-word and NOT only exclude: give at least one word that must occur beside them")
    return unique[0] if len(unique) == 1 else AnyOf(unique)


def parse_query(raw: str) -> Query:
    """Normalise and parse a user query; raise :class:`QueryError` (one line, saying why)
    when it cannot be searched."""
    return Query(raw, _Parser(raw).parse())


# --- snippets ---------------------------------------------------------------------------------


def snippet(
    body: str, query: Query, *, width: int = 12, marks: tuple[str, str] = ("<mark>", "</mark>")
) -> str:
    """A window of the display text around the first matching word, matches marked."""
    spans = [(m.start(), m.end(), search_form(m.group(0))) for m in _DISPLAY_WORD.finditer(body)]
    if not spans:
        return ""
    hits = [i for i, (_, _, word) in enumerate(spans) if query.matches(word)]
    first = hits[0] if hits else 0
    start, end = max(0, first - width), min(len(spans), first + width + 1)
    out, cursor = [], 0 if start == 0 else spans[start][0]
    for i in range(start, end):
        begin, finish, _ = spans[i]
        out.append(body[cursor:begin])
        piece = body[begin:finish]
        out.append(f"{marks[0]}{piece}{marks[1]}" if i in hits else piece)
        cursor = finish
    if end == len(spans):
        out.append(body[cursor:])
    text_ = " ".join("".join(out).split())
    return ("… " if start > 0 else "") + text_.strip() + (" …" if end < len(spans) else "")
