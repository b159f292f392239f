"""Offsets: Python code points, UTF-16 code units, and what the Label Studio editor counts.

Checked in a real browser (tests/integration/test_browser_labelstudio.py, Label Studio
1.23.2, Chromium): the editor places stored regions and records new ones in **code
points** of the task text, like Python, not in UTF-16 code units: in an article starting
with "🇨🇳🤝🇺🇸 ", a span the annotator selects at Python offset 73 is saved with start 73, and
a region pushed with UTF-16 offsets is drawn shifted by one character per astral character
before it. `OffsetMap.to_editor`/`from_editor` are the one place push and pull convert
offsets; the UTF-16 functions stay for tools that do count UTF-16 units.
"""

from __future__ import annotations


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def codepoints_to_utf16(text: str, index: int) -> int:
    """UTF-16 offset of code-point offset `index`: each non-BMP character counts twice."""
    if not 0 <= index <= len(text):
        raise ValueError(f"code-point offset {index} is outside the text (length {len(text)})")
    return index + sum(1 for char in text[:index] if ord(char) > 0xFFFF)


def utf16_to_codepoints(text: str, offset: int) -> int:
    """Code-point offset of UTF-16 offset `offset`; refuses an offset inside a surrogate pair."""
    if offset < 0:
        raise ValueError(f"UTF-16 offset {offset} is negative")
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += _units(char)
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} falls inside the surrogate pair of {char!r} (code point {index})")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is outside the text (length {units} UTF-16 units)")


class OffsetMap:
    """Both conversions for one text in O(1) each: an article has hundreds of spans."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._utf16 = [0]
        for char in text:
            self._utf16.append(self._utf16[-1] + _units(char))
        self._codepoint = {units: index for index, units in enumerate(self._utf16)}

    def to_editor(self, index: int) -> int:
        """The Label Studio editor's offset of code-point offset `index` (the same number)."""
        if not 0 <= index <= len(self.text):
            raise ValueError(f"code-point offset {index} is outside the text (length {len(self.text)})")
        return index

    def from_editor(self, offset: int) -> int:
        """Code-point offset of an offset the editor recorded; refuses one outside the text."""
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset} is outside the text (length {len(self.text)} code points)")
        return offset

    def to_utf16(self, index: int) -> int:
        if not 0 <= index <= len(self.text):
            raise ValueError(f"code-point offset {index} is outside the text (length {len(self.text)})")
        return self._utf16[index]

    def to_codepoints(self, offset: int) -> int:
        found = self._codepoint.get(offset)
        if found is None:
            return utf16_to_codepoints(self.text, offset)  # raises with the precise reason
        return found
