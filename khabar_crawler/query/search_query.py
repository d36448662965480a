"""A search query as the user wrote it, parsed: its terms (words, phrases, prefixes), pure.

A query goes through the same profile as the stored search forms (``ar-v2``:
:func:`~khabar_crawler.text.normalize.fold`, then :func:`~khabar_crawler.text.stem.stem`), so أحمد
finds احمد, مدرسة finds مدرسه, مسئول finds مسؤول, كوريا finds وكوريا, دفاع finds الدفاعية; tashkeel,
tatweel and bidi marks never matter. Query syntax, kept deliberately small:

- words: every word must occur (AND), as written or as another form of its stem (the form
  as written ranks higher: it matches the word and its stem);
- ``"two words"``: a phrase, when its quotes are balanced (unbalanced quotes are plain text):
  its stems in that order (``"كوريا الجنوبية"`` finds ``وكوريا الجنوبية``), the phrase as
  written ranking higher;
- ``word*``: a prefix, of the word as written or of the word without its و and article.

Everything else (FTS operators, SQL, punctuation) is plain text: a term holds word tokens
only, which the back ends (:mod:`~khabar_crawler.query.search_sqlite`,
:mod:`~khabar_crawler.query.search_postgres`) turn into their own match expressions. The
snippet shown with a hit is cut here too, from the display text, with the query's words marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from khabar_crawler.text.normalize import STEM_MARK, fold, search_form, words
from khabar_crawler.text.stem import stem, strip_prefixes

_PHRASE = re.compile(r'"([^"]*)"')
_TOKEN = re.compile(r"(\w+)(\*?)")
_DISPLAY_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640\u200c\u200d]+")


class QueryError(ValueError):
    """A query that cannot be searched (empty once normalised); the message says why."""


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
class Query:
    """The normalised terms of a query, each once, in the order written; all must match."""

    raw: str
    terms: tuple[Term, ...]

    @property
    def phrases(self) -> list[str]:
        """The phrases as their marked stems (what must occur, in order)."""
        return [" ".join(term.stems) for term in self.terms if term.is_phrase]

    def matches(self, word: str) -> bool:
        """Whether a word of the text is one the query looks for (for snippets)."""
        word = fold(word)
        stemmed = STEM_MARK + stem(word)
        for term in self.terms:
            if term.prefix:
                if word.startswith(term.words[0]) or stemmed.startswith(term.stems[0]):
                    return True
            elif word in term.words or stemmed in term.stems:
                return True
        return False


def _words(text: str) -> list[str]:
    """Letters and digits only, as the index has them (``_`` separates words)."""
    return [part for word in words(text) for part in word.split("_") if part]


def parse_query(raw: str) -> Query:
    """Normalise and tokenise a user query; raise :class:`QueryError` when nothing is left."""
    normalised = fold(raw)
    terms: list[Term] = []
    if normalised.count('"') % 2 == 0:
        for phrase in _PHRASE.findall(normalised):
            tokens = tuple(_words(phrase))
            if tokens:
                terms.append(Term(tokens))
        normalised = _PHRASE.sub(" ", normalised)
    for token, star in _TOKEN.findall(normalised.replace('"', " ")):
        for position, part in enumerate(parts := _words(token)):
            terms.append(Term((part,), prefix=bool(star) and position == len(parts) - 1))
    unique = tuple(dict.fromkeys(terms))
    if not unique:
        raise QueryError(f"nothing to search for in {raw!r}: give at least one word")
    return Query(raw, unique)


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
