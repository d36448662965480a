"""Decode page bodies as browsers survive them: by the charset they declare, unless the bytes
say otherwise.

:func:`decode_page` tries candidate encodings in order and takes the first whose reading of
the body passes three checks:

1. **Strict decoding.** The codec decodes every byte (``errors="strict"``). The one damage
   forgiven is a multi-byte character cut off at the very end of the body (a truncated
   transfer): those at most three bytes are dropped, never replaced.
2. **UTF-8 wins.** A reading under any codec other than UTF-8 is rejected when it differs from
   the UTF-8 reading and the body is UTF-8, or mostly UTF-8: the bytes its well-formed
   multi-byte sequences save (one per Arabic letter) are at least :data:`UTF8_MAJORITY` times
   the sequences UTF-8 cannot decode (counted before the first of those and over
   :data:`UTF8_WINDOW` bytes from it). Single-byte codecs decode UTF-8 without an error but
   into mojibake, one character per byte: ``Ø§Ù„`` (cp1252, latin-1) or ``ط§ظ„``
   (windows-1256) for ``ال``, ``Ã©`` for ``é``. A page really written in a legacy charset is
   almost never valid UTF-8 (a windows-1256 Arabic letter is a byte from 0xC1 up, which UTF-8
   accepts only before a byte from 0x80 to 0xBF, and neither ASCII nor Arabic letters are
   that), so the rule costs legacy pages nothing but the check. Browsers sniff the same way
   when nothing is declared.
3. **A Latin-1 label must fit.** iso-8859-1, latin-1, us-ascii and windows-1252 (all read
   as windows-1252, as browsers do) are what servers and templates send by default, whatever
   the page. A windows-1252 reading of a non-ASCII body is rejected when charset-normalizer
   finds readings of the page's text and none of them Latin (``ÇáÃÎÈÇÑ`` is windows-1256
   Arabic read as windows-1252).

The candidates, each tried once, and the ``source`` recorded for the one taken:

* a byte order mark: ``"declared"``; a BOM is final, as in browsers (its codec decodes the
  rest, with replacement characters if it must: ``"replaced"``);
* the ``Content-Type`` header's charset: ``"declared"``;
* the page's ``<meta charset>``/``http-equiv`` (or XML declaration) in its first 4 KiB:
  ``"meta"`` (a ``<meta>`` naming UTF-16 or UTF-32 means UTF-8, as the HTML standard says);
* UTF-8: ``"detected"`` (a body that decodes as UTF-8 is UTF-8);
* charset-normalizer's best guess over the page's non-ASCII text nodes (at most
  :data:`DETECTION_SAMPLE` bytes of them, so that markup does not drown the language model
  and a large page costs no more than a small one): ``"detected"``;
* last resort: the candidate that failed with the fewest undecodable sequences, decoded with
  ``errors="replace"`` (U+FFFD for each): ``"replaced"``. The only result that can contain
  replacement characters; callers count it.

The normal page (header UTF-8, body valid UTF-8) costs one strict decode, as before.

Not repaired: a body that is valid UTF-8 of text that was already mojibake when the server
encoded it (double encoding); those bytes spell the mojibake and browsers show it too.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

from charset_normalizer import CharsetMatches, from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    to_unicode,
)

Source = Literal["declared", "meta", "detected", "replaced"]

#: Every value :attr:`Decoded.source` takes, for callers that count them.
SOURCES: Final[tuple[Source, ...]] = ("declared", "meta", "detected", "replaced")

#: A body is mostly UTF-8 when its well-formed multi-byte sequences save at least this many
#: bytes per sequence UTF-8 cannot decode (see rule 2 of the module docstring).
UTF8_MAJORITY: Final = 10

#: The bytes, from the first sequence UTF-8 cannot decode, over which rule 2 counts.
UTF8_WINDOW: Final = 16 * 1024

#: The most bytes of text nodes handed to charset-normalizer.
DETECTION_SAMPLE: Final = 64 * 1024

#: From the end of a tag to the start of the next: a text node. A byte below 0x40, such as ">"
#: and "<", is a character boundary in every ASCII-compatible codec, multi-byte ones too.
_TEXT_NODE = re.compile(rb">([^<]*)<")

_UTF8: Final = "utf-8"

#: What w3lib makes of iso-8859-1, latin-1, us-ascii and windows-1252 alike.
_WINDOWS_1252: Final = "cp1252"

#: charset-normalizer's code pages that read Latin text as windows-1252 would.
_LATIN: Final = frozenset({"cp1252", "iso8859-1", "iso8859-15"})

#: How codecs word a character cut off by the end of the input (UTF-8, UTF-16/32, CJK codecs).
_CUT_OFF: Final = frozenset({"unexpected end of data", "truncated data", "incomplete multibyte sequence"})


@dataclass(frozen=True, slots=True)
class Decoded:
    """A page body decoded: the codec used, the text, and how the codec was chosen."""

    encoding: str
    text: str
    source: Source


def decode_page(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode ``body`` (served with the ``Content-Type`` header ``content_type``, if any).

    Never raises and never returns replacement characters or mojibake unless ``source`` is
    ``"replaced"``; the rules are in the module docstring.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        rest = body[len(bom) :]
        text = _strict(rest, bom_encoding)
        if text is not None:
            return Decoded(bom_encoding, text, "declared")
        return Decoded(bom_encoding, to_unicode(rest, bom_encoding), "replaced")

    evidence = _Evidence(body)
    tried: set[str] = set()
    failed: list[str] = []
    for encoding, source in _candidates(evidence, content_type):
        if encoding in tried:
            continue
        tried.add(encoding)
        text = _strict(body, encoding)
        if text is None:
            failed.append(encoding)
        elif evidence.accepts(encoding, text):
            return Decoded(encoding, text, source)
    return _replaced(body, failed)


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(encoding, text)`` of :func:`decode_page`, for callers that need no ``source``."""
    decoded = decode_page(body, content_type)
    return decoded.encoding, decoded.text


def _candidates(evidence: _Evidence, content_type: str | None) -> Iterator[tuple[str, Source]]:
    """The encodings to try, in order, each computed only when the previous ones failed."""
    header = http_content_type_encoding(content_type)
    if header is not None:
        # as w3lib does: a UTF-16/32 without a BOM to say which is big-endian
        yield (header + "-be" if header in ("utf-16", "utf-32") else header), "declared"
    meta = html_body_declared_encoding(evidence.body)
    if meta is not None:
        yield (_UTF8 if meta.startswith(("utf-16", "utf-32")) else meta), "meta"
    yield _UTF8, "detected"
    detected = evidence.detected()
    if detected is not None:
        yield detected, "detected"


def _strict(body: bytes, encoding: str) -> str | None:
    """``body`` decoded without a single error, a character cut off at its end dropped."""
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end != len(body) or len(body) - exc.start > 3 or exc.reason not in _CUT_OFF:
            return None
        try:
            return body[: exc.start].decode(encoding)
        except UnicodeDecodeError:
            return None
    except LookupError:
        return None


class _Evidence:
    """What the body says about its encoding, each piece computed once and only when a
    reading needs checking: the normal page (strict UTF-8 as declared) needs none."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self._utf8: tuple[str | None, bool] | None = None
        self._matches: CharsetMatches | None = None

    def accepts(self, encoding: str, text: str) -> bool:
        """Whether ``text``, the body decoded strictly under ``encoding``, passes rules 2
        (UTF-8 wins) and 3 (a windows-1252 reading must be plausible)."""
        if encoding == _UTF8:
            return True
        if self._utf8_outweighs(text):
            return False
        return encoding != _WINDOWS_1252 or self.body.isascii() or self._latin_plausible()

    def _utf8_outweighs(self, text: str) -> bool:
        if self._utf8 is None:
            self._utf8 = self._weigh_utf8()
        utf8_text, mostly_utf8 = self._utf8
        return mostly_utf8 and text != utf8_text

    def _weigh_utf8(self) -> tuple[str | None, bool]:
        """The body's text if it is valid UTF-8, and whether it is mostly UTF-8: the bytes its
        well-formed multi-byte sequences save, before the first sequence UTF-8 cannot decode
        and in the :data:`UTF8_WINDOW` bytes from there, against the undecodable sequences in
        that window (a legacy page is undecodable all along, so the window is enough)."""
        try:
            return self.body.decode(_UTF8), True
        except UnicodeDecodeError as exc:
            start = exc.start
        saved = start - len(self.body[:start].decode(_UTF8))
        window = self.body[start : start + UTF8_WINDOW]
        text, consumed = codecs.utf_8_decode(window, "replace", False)  # a cut character waits
        saved += consumed - len(text)
        return None, saved >= UTF8_MAJORITY * text.count("\ufffd")

    def _latin_plausible(self) -> bool:
        matches = self._detection()
        return not matches or any(
            _codec_name(name) in _LATIN for match in matches for name in match.could_be_from_charset
        )

    def detected(self) -> str | None:
        """charset-normalizer's codec for the page's text, ``None`` without a guess."""
        best = self._detection().best()
        return None if best is None else _codec_name(best.encoding)

    def _detection(self) -> CharsetMatches:
        """charset-normalizer's readings of the page's non-ASCII text nodes: HTML markup would
        drown its language model, and the sample bounds its cost on a large page."""
        if self._matches is None:
            sample: list[bytes] = []
            size = 0
            for match in _TEXT_NODE.finditer(self.body):
                node = match.group(1)
                if not node.isascii():
                    sample.append(node)
                    size += len(node) + 1
                    if size >= DETECTION_SAMPLE:
                        break
            self._matches = from_bytes(b"\n".join(sample) if sample else self.body[:DETECTION_SAMPLE])
        return self._matches


def _codec_name(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _replaced(body: bytes, failed: list[str]) -> Decoded:
    """The last resort: the failed candidate losing the fewest sequences, with U+FFFD."""
    best: Decoded | None = None
    fewest = 0
    for encoding in failed or [_UTF8]:
        text = to_unicode(body, encoding)
        lost = text.count("\ufffd")
        if best is None or lost < fewest:
            best, fewest = Decoded(encoding, text, "replaced"), lost
    assert best is not None
    return best
