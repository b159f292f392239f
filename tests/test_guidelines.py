"""The guidelines name every label of the one label source (src/diplonews/labels.py)."""

from __future__ import annotations

from conftest import REPO
from diplonews.contract import labels

GUIDELINES = (REPO / "annotations" / "GUIDELINES.md").read_text("utf-8")


def test_guidelines_name_every_label() -> None:
    for group in (
        labels.ENTITY_LABELS,
        labels.TEMPORAL_TYPES,
        labels.DISCREPANCY_TYPES,
        labels.DISCREPANCY_SCOPES,
        labels.EVENTS,
    ):
        for label in group:
            assert f"`{label}`" in GUIDELINES or f"| {label} |" in GUIDELINES or f"**{label}**" in GUIDELINES, label


def test_guidelines_define_each_discrepancy_type_with_examples() -> None:
    for kind in labels.DISCREPANCY_TYPES:
        section = GUIDELINES.split(f"**{kind}**", 1)
        assert len(section) == 2, f"no definition paragraph for {kind}"
        paragraph = section[1].split("\n\n", 1)[0]
        assert paragraph.count("(00") >= 2 or paragraph.count('"') >= 4, f"{kind}: needs two corpus examples"


def test_guidelines_event_windows_match_the_label_module() -> None:
    for event, (first, last) in labels.EVENT_WINDOWS.items():
        assert event in GUIDELINES
        assert first[:4] in GUIDELINES and last[:4] in GUIDELINES
