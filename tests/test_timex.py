"""TIMEX3 value grammar and the canonical spelling of durations."""

from __future__ import annotations

import pytest

from diplonews.contract.timex import canonical_value, is_valid_value


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("DATE", "2024-04-26"),
        ("DATE", "2023-11"),
        ("DATE", "2022"),
        ("DATE", "2024-W17"),
        ("DATE", "PAST_REF"),
        ("DATE", "FUTURE_REF"),
        ("DATE", "201X"),
        ("TIME", "2023-06-19T16:30"),
        ("TIME", "2023-06-19T08:30Z"),
        ("TIME", "2024-04-26TEV"),
        ("DURATION", "PT7H30M"),
        ("DURATION", "PT7.5H"),
        ("DURATION", "P5Y"),
        ("DURATION", "PTXH"),
        ("SET", "P1W"),
        ("DATE", None),
    ],
)
def test_valid_values(kind: str, value: str | None) -> None:
    assert is_valid_value(kind, value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("DATE", "26 April 2024"),
        ("DATE", "2024-4-26"),
        ("DATE", "2024-04-26T10:00"),
        ("TIME", "16:30"),
        ("DURATION", "P"),
        ("DURATION", "PT"),
        ("DURATION", "7 hours"),
        ("DURATION", "2024-04-26"),
        ("DATE", "PT5H"),
        ("UNKNOWN", "2024"),
    ],
)
def test_invalid_values(kind: str, value: str) -> None:
    assert not is_valid_value(kind, value)


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("PT7.5H", "PT7H30M"),
        ("PT7H30M", "PT7H30M"),
        ("PT90M", "PT1H30M"),
        ("PT0.5H", "PT30M"),
        ("P5Y", "P5Y"),
        ("PTXH", "PTXH"),
        ("2024-04-26", "2024-04-26"),
        (None, None),
    ],
)
def test_durations_compare_by_amount_not_spelling(value: str | None, canonical: str | None) -> None:
    assert canonical_value(value) == canonical
