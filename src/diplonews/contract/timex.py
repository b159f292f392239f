"""TIMEX3 value grammar, shared by the contract checks and the evaluation.

The gold writes durations with integer components (`PT7H30M`); predictions may write
`PT7.5H`. `canonical_value` makes both compare equal so the evaluation does not punish a
correct normalisation for its spelling.
"""

from __future__ import annotations

import re
from decimal import Decimal

_DATE = re.compile(
    r"""^(?:
        \d{4}(?:-\d{2}(?:-\d{2})?)?          # 2024, 2024-04, 2024-04-26
      | \d{4}-W\d{2}                         # 2024-W17
      | \d{4}-(?:SP|SU|FA|WI|Q[1-4]|H[12])   # seasons, quarters, halves
      | \d{3}X | \d{2}XX                     # decade, century
      | (?:PAST|PRESENT|FUTURE)_REF
    )$""",
    re.VERBOSE,
)
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T(?:\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?|MO|AF|EV|NI|DT)$")
_NUMBER = r"(?:\d+(?:\.\d+)?|X)"
_DURATION = re.compile(
    rf"^P(?=.)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=.)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)
_SET = re.compile(rf"^(?:{_DURATION.pattern[1:-1]}|XXXX-WXX-[1-7]|XXXX-XX-XX(?:T\w+)?)$")

GRAMMAR: dict[str, re.Pattern[str]] = {
    "DATE": _DATE,
    "TIME": _TIME,
    "DURATION": _DURATION,
    "SET": _SET,
}


def is_valid_value(timex_type: str, value: str | None) -> bool:
    """A null value is valid (the text does not determine it); otherwise it must parse."""
    if value is None:
        return True
    grammar = GRAMMAR.get(timex_type)
    return bool(grammar and grammar.fullmatch(value))


_UNIT_SECONDS = {"H": 3600, "M": 60, "S": 1}
_DATE_UNITS = ("Y", "M", "W", "D")


def canonical_value(value: str | None) -> str | None:
    """Normalise a duration's spelling (PT7.5H -> PT7H30M); other values pass through."""
    if value is None or not _DURATION.fullmatch(value) or "X" in value:
        return value
    date_part, _, time_part = value[1:].partition("T")
    out = "P"
    for unit, amount in re.findall(r"([\d.]+)([YMWD])", date_part):
        out += f"{Decimal(unit).normalize():f}{amount}" if Decimal(unit) else ""
    seconds = sum(Decimal(amount) * _UNIT_SECONDS[unit] for amount, unit in re.findall(r"([\d.]+)([HMS])", time_part))
    if seconds:
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        out += "T"
        out += f"{int(hours)}H" if hours else ""
        out += f"{int(minutes)}M" if minutes else ""
        out += f"{secs.normalize():f}S" if secs else ""
    return out if out != "P" else "PT0S"
