"""THE input-cleaning rule for text typed or sent by people and machines.

Text is refused, with a message in the user's language, when it holds

- NUL or another control character (C0, DEL, C1): PostgreSQL cannot store NUL, and ESC or C1
  characters rewrite terminals and logs. Tab, line feed and carriage return are allowed in
  multi-line text (``multiline=True``) and refused in a single-line field;
- a bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), which makes text read
  differently from how it is stored (a file name or a title that shows reversed);
- nothing visible: text that is empty once zero-width spaces, joiners, the byte-order mark and
  the like are removed is refused as empty (a title of two zero-width spaces is not a title).

Applied everywhere by mechanism, not field by field (docs/ARCHITECTURE.md, "Input text"): every
Django form ``CharField`` (patched once in ``core.apps``), every JSON API input schema
(``gongzhi.core.schemas.In``), the cells of the imports, and the path and query string of every request
(``core.middleware.RefuseControlCharactersMiddleware``, 400).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f"
_LINE_BREAKS = "\t\n\r"
_BIDI_OVERRIDES = "\u202a-\u202e\u2066-\u2069"
# Characters that show nothing: soft hyphen, Mongolian vowel separator, zero-width space, joiners and
# marks, word joiner and invisible operators, Hangul fillers, the byte-order mark (ZWNBSP).
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u2060-\u2064\u3164\uffa0\ufeff"

_REFUSED_MULTILINE = re.compile(f"[{_CONTROL}]")
_REFUSED_SINGLE_LINE = re.compile(f"[{_CONTROL}{_LINE_BREAKS}]")
_BIDI = re.compile(f"[{_BIDI_OVERRIDES}]")
_BLANK = re.compile(f"[\\s{_INVISIBLE}]*")


class TextRefused(ValueError):
    """The text breaks the rule; ``str(exc)`` is the message for the user."""


def problem(value: str, *, multiline: bool = True) -> str | None:
    """Why ``value`` is refused, or None when it is acceptable (the empty string is)."""
    if not value:
        return None
    if (_REFUSED_MULTILINE if multiline else _REFUSED_SINGLE_LINE).search(value):
        if "\x00" in value:
            return _("The text contains a NUL character; remove it and send the text again.")
        return _("The text contains control characters (such as line breaks in a one-line field, or "
                 "terminal codes); remove them and send the text again.")
    if _BIDI.search(value):
        return _("The text contains characters that reverse its direction (bidirectional overrides); "
                 "remove them and send the text again.")
    if _BLANK.fullmatch(value) and not value.isspace():
        return _("The text contains only invisible characters; it counts as empty.")
    return None


def clean_text(value: str, *, multiline: bool = True) -> str:
    """``value`` unchanged when it is acceptable; raises :class:`TextRefused` otherwise."""
    message = problem(value, multiline=multiline)
    if message is not None:
        raise TextRefused(message)
    return value


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds NUL or another control character but tab and line breaks (for URLs)."""
    return bool(_REFUSED_MULTILINE.search(value))
