"""A light Arabic stemmer of Larkey's *light10* kind, for search profile ``ar-v2``.

It works on one word already in search form (:func:`~khabar_crawler.text.normalize.search_form`:
no tashkeel, alef forms as ا, ة as ه, ى as ي) and removes, in this order:

1. the conjunction و when at least 3 letters remain (وكوريا → كوريا);
2. one definite article of :data:`ARTICLES` (ال وال بال كال فال لل, longest first) when at
   least 2 letters remain (والصين → صين, للتعاون → تعاون);
3. the suffixes of :data:`SUFFIXES` (ها يه ه ي ان ات ون ين; search form writes ية as يه and
   ة as ه), each at most once, in that order, while at least 2 letters remain (الدفاعية →
   دفاع; the adjective endings go before ان, so that اليابانية and اليابان share ياب).

Single-letter particles (ف ب ك ل without an article) are not removed: on the seed articles
they gain 2 of 169 occurrences and cut real first letters (كتاب, بلد, فريق).

Words of other scripts, and words with a digit, are returned as they are. The rules, their
order and the minimum lengths are part of the profile: any change is a new profile name.
"""

from __future__ import annotations

from functools import lru_cache

#: definite articles, alone or with a particle, longest first
ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
#: suffixes in the order they are tried (search form: ية is يه, ة is ه)
SUFFIXES = ("ها", "يه", "ه", "ي", "ان", "ات", "ون", "ين")


def _arabic(word: str) -> bool:
    return all("\u0621" <= c <= "\u064a" for c in word)


#: words whose stems are kept (a news site's vocabulary repeats: most words are seen before)
STEM_CACHE = 1 << 16


@lru_cache(maxsize=STEM_CACHE)
def stem(word: str) -> str:
    """The light stem of one search-form word (see the module documentation)."""
    if len(word) < 3 or not _arabic(word):
        return word
    word = strip_prefixes(word)
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


def strip_prefixes(word: str) -> str:
    """``word`` without the و and article :func:`stem` removes (its suffixes kept): the
    beginning of a stem, for prefix queries."""
    if len(word) < 3 or not _arabic(word):
        return word
    if word.startswith("و") and len(word) - 1 >= 3:
        word = word[1:]
    for article in ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article) :]
    return word
