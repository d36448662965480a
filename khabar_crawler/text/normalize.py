"""Text normalisation: tidy display text, and the versioned search form of Arabic text.

Display text keeps what the site published, tidied (:func:`tidy`). The *search form*
(:func:`search_form`, profile :data:`SEARCH_PROFILE`) is what deduplication and full-text
search compare; it is stored beside the display text and never shown as the article's text.

Search profile ``ar-v1``, applied in this order:

1. Unicode NFKC (presentation forms such as U+FEFB LAM-ALEF become their letters);
2. invisible characters removed (zero-width, bidi marks and embeddings, BOM, soft hyphen);
3. tashkeel removed (U+064B–U+065F, U+0670 superscript alef, Quranic marks U+06D6–U+06ED);
4. tatweel (U+0640) removed;
5. alef forms أ إ آ ٱ → ا; alef maqsura ى → ي; teh marbuta ة → ه;
6. Arabic-Indic (٠–٩) and Persian (۰–۹) digits → ASCII digits;
7. Latin lower-cased (``str.casefold``); white space collapsed.

Any change to these rules is a new profile name, so that stored forms can be recomputed.
"""

from __future__ import annotations

import re
import unicodedata

SEARCH_PROFILE = "ar-v1"

#: zero-width space/non-joiner/joiner, word joiner, LRM/RLM, ALM, bidi embeddings and
#: isolates, BOM, soft hyphen
INVISIBLE = (
    "\u200b\u200c\u200d\u2060"  # zero-width space, non-joiner, joiner, word joiner
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff\u00ad"  # BOM, soft hyphen
)
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
_TATWEEL = "\u0640"
_WS = re.compile(r"\s+")
_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)


def tidy(text: str | None) -> str:
    """Display text, tidied: NFC, invisible characters removed, white space collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    return _WS.sub(" ", _INVISIBLE.sub("", text)).strip()


def search_form(text: str | None) -> str:
    """The ``ar-v1`` search form of ``text`` (see the module documentation)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _TASHKEEL.sub("", text).replace(_TATWEEL, "")
    text = text.translate(_LETTERS).casefold()
    return _WS.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Word tokens of a search form (letters and digits; punctuation dropped)."""
    return re.findall(r"\w+", text)
