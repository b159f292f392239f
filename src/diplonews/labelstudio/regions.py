"""Pull side, step 1: one annotation's result list -> labeled regions, their fields and relations.

An export is data a server accepted, not data diplonews wrote: every item, value, id and
label is checked for its type before it is used, and a problem names the task, the
annotation and the region (`at`). A region refused here is remembered (`refused`) so its
fields and relations are not reported a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeGuard

from diplonews.contract.errors import Problem
from diplonews.labelstudio import labeling_config as cfg
from diplonews.labelstudio.offsets import OffsetMap


@dataclass
class Region:
    id: str
    control: str  # entity | timex | discrepancy
    label: str
    start: int
    end: int
    text: str
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)  # control -> result


@dataclass
class ParsedResult:
    """What one annotation's result list says, every item checked."""

    regions: dict[str, Region] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    article_controls: dict[str, dict[str, Any]] = field(default_factory=dict)
    attributes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (at, item)
    relations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (at, item), see relations.py


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_id(value: Any) -> Any:
    """The editor may append '#<annotation id>' to region ids; the stored id is before it."""
    return value.split("#", 1)[0] if isinstance(value, str) else value


def check_id(value: Any, at: str, name: str, problems: list[Problem], field: str = "id") -> str | None:
    """A region id as push writes them (letters, digits, _ . : -), or None with the problem recorded."""
    if value is None or value == "":
        problems.append(Problem("missing-field", f"{name} has no id", where=at, field=field))
        return None
    if not isinstance(value, str):
        problems.append(
            Problem(
                "type-error",
                f"an id must be a string, found {type(value).__name__}",
                where=at,
                field=field,
                value=value,
            )
        )
        return None
    if not cfg.REGION_ID_PATTERN.match(value):
        problems.append(
            Problem(
                "bad-format",
                f"id {value!r} cannot be a mention, timex or discrepancy id",
                where=at,
                field=field,
                value=value,
                hint="ids use letters, digits and _ . : - only (as push requires)",
            )
        )
        return None
    return value


def value_of(result: dict[str, Any]) -> dict[str, Any]:
    """A result's `value` (checked to be an object when the result was sorted)."""
    value = result.get("value")
    return value if isinstance(value, dict) else {}


def text_entries(result: dict[str, Any], at: str, problems: list[Problem], *, strip_empty: bool = True) -> str | None:
    """A TextArea's value; several entries (one per Enter) are joined by newlines."""
    entries = value_of(result).get("text")
    if entries is None:
        return None
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
        problems.append(
            Problem(
                "type-error",
                "expected a list of strings",
                where=at,
                field=str(result.get("from_name")),
                value=entries,
            )
        )
        return None
    text = "\n".join(entries)
    if strip_empty:
        return text if text.strip() else None
    return text or None


def one_choice(result: dict[str, Any] | None, allowed: tuple[str, ...], at: str, problems: list[Problem]) -> str | None:
    if result is None:
        return None
    choices = value_of(result).get("choices")
    control = str(result.get("from_name"))
    if not isinstance(choices, list) or len(choices) > 1:
        problems.append(Problem("type-error", "expected one choice", where=at, field=control, value=choices))
        return None
    if not choices:
        return None
    if not isinstance(choices[0], str) or choices[0] not in allowed:
        problems.append(
            Problem(
                "unknown-label",
                f"unknown choice {choices[0]!r}",
                where=at,
                field=control,
                value=choices[0],
                hint=f"one of: {', '.join(allowed)}",
            )
        )
        return None
    return choices[0]


def parse_result(result: Any, text: str, at: str, problems: list[Problem]) -> ParsedResult | None:
    """Sort the result list into regions, their fields, relations and article fields; check each (not the relations)."""
    if not isinstance(result, list):
        problems.append(
            Problem(
                "type-error",
                f"an annotation's result must be a list, found {type(result).__name__}",
                where=at,
                field="result",
            )
        )
        return None
    parsed = ParsedResult()
    offsets = OffsetMap(text)
    for index, item in enumerate(result):
        _sort_item(item, f"{at}, result[{index}]", at, parsed, offsets, problems)
    for item_at, item in parsed.attributes:
        _attach_attribute(item, item_at, parsed, problems)
    return parsed


def _sort_item(
    item: Any, item_at: str, at: str, parsed: ParsedResult, offsets: OffsetMap, problems: list[Problem]
) -> None:
    if not isinstance(item, dict):
        problems.append(Problem("not-an-object", f"expected an object, found {type(item).__name__}", where=item_at))
        return
    if item.get("type") == "relation":
        parsed.relations.append((item_at, item))
        return
    control = item.get("from_name")
    if not isinstance(control, str):
        problems.append(Problem("type-error", "from_name must be a string", where=item_at, field="from_name"))
        return
    raw_id = clean_id(item.get("id"))
    if isinstance(raw_id, str) and raw_id:
        item_at = f"{at}, region {raw_id!r}"
    if not isinstance(item.get("value"), dict):
        problems.append(Problem("type-error", "a result's value must be an object", where=item_at, field="value"))
        if isinstance(raw_id, str):
            parsed.refused.add(raw_id)
        return
    if control in cfg.LABEL_VALUES:
        _add_region(item, control, raw_id, item_at, parsed, offsets, problems)
    elif control in cfg.PER_REGION:
        parsed.attributes.append((item_at, {**item, "id": raw_id}))
    elif control in cfg.ARTICLE_CONTROLS:
        if control in parsed.article_controls:
            problems.append(Problem("duplicate-id", "article field given twice", where=item_at, field=control))
            return
        parsed.article_controls[control] = item
    else:
        problems.append(
            Problem(
                "unknown-field",
                f"unknown control {control!r}",
                where=item_at,
                field="from_name",
                value=control,
                hint="the project's labeling config differs from annotations/label_studio.xml; push to update it",
            )
        )


def _add_region(
    item: dict[str, Any],
    control: str,
    raw_id: Any,
    at: str,
    parsed: ParsedResult,
    offsets: OffsetMap,
    problems: list[Problem],
) -> None:
    region_id = check_id(raw_id, at, "a labeled region", problems)
    if region_id is None:
        if isinstance(raw_id, str):
            parsed.refused.add(raw_id)
        return
    parsed.refused.add(region_id)  # until it passes every check below
    value = item["value"]
    label = _region_label(value.get("labels"), control, at, problems)
    if label is None:
        return
    if region_id in parsed.regions:
        problems.append(
            Problem(
                "duplicate-id",
                f"region carries two labels ({parsed.regions[region_id].control} and {control})",
                where=at,
                field=control,
                hint="a region is an entity, a timex or a discrepancy span: split it into two regions",
            )
        )
        return
    span = _region_span(value, offsets, at, problems)
    if span is None:
        return
    parsed.regions[region_id] = Region(region_id, control, label, *span)
    parsed.refused.discard(region_id)


def _region_label(chosen: Any, control: str, at: str, problems: list[Problem]) -> str | None:
    if not isinstance(chosen, list) or len(chosen) != 1:
        problems.append(
            Problem("type-error", "a region needs exactly one label", where=at, field=control, value=chosen)
        )
        return None
    if not isinstance(chosen[0], str) or chosen[0] not in cfg.LABEL_VALUES[control]:
        problems.append(
            Problem(
                "unknown-label",
                f"unknown {control} label {chosen[0]!r}",
                where=at,
                field=control,
                value=chosen[0],
                hint=f"labels of {control}: {', '.join(cfg.LABEL_VALUES[control])}; the label sets live in src/diplonews/labels.py",
            )
        )
        return None
    return chosen[0]


def _region_span(
    value: dict[str, Any], offsets: OffsetMap, at: str, problems: list[Problem]
) -> tuple[int, int, str] | None:
    """(start, end, text) in code points, re-read from the article; None if it does not fit."""
    start, end = value.get("start"), value.get("end")
    if not is_int(start) or not is_int(end):
        problems.append(
            Problem("type-error", "start/end must be integers", where=at, field="start", value=[start, end])
        )
        return None
    try:
        cp_start, cp_end = offsets.from_editor(start), offsets.from_editor(end)
    except ValueError as error:
        problems.append(Problem("span-out-of-range", f"bad offset: {error}", where=at, field="start"))
        return None
    if cp_start >= cp_end:
        problems.append(
            Problem("span-out-of-range", f"empty or reversed span [{start}, {end})", where=at, field="start")
        )
        return None
    surface = offsets.text[cp_start:cp_end]
    claimed = value.get("text")
    if claimed != surface:
        problems.append(
            Problem(
                "span-mismatch",
                f"region text {claimed!r} does not match the article's [{cp_start}:{cp_end}] = {surface!r} "
                f"(editor offsets [{start}, {end}))",
                where=at,
                field="text",
                value=claimed,
                hint="the task text differs from the raw article, or the offsets were not counted in code points "
                "(the editor counts code points, not UTF-16 units)",
            )
        )
        return None
    return cp_start, cp_end, surface


def _attach_attribute(item: dict[str, Any], at: str, parsed: ParsedResult, problems: list[Problem]) -> None:
    control, region_id = item["from_name"], item["id"]
    if isinstance(region_id, str) and region_id in parsed.refused:
        return
    if check_id(region_id, at, f"the {control} field", problems) is None:
        return
    region = parsed.regions.get(region_id)
    if region is None:
        problems.append(
            Problem(
                "unknown-region",
                "field of a missing region (no labeled region has this id)",
                where=at,
                field=control,
                value=region_id,
            )
        )
        return
    owner = cfg.PER_REGION[control][0]
    if region.control != owner:
        problems.append(
            Problem(
                "unknown-field",
                f"{control} belongs to {owner} regions, this region is a {region.control}",
                where=at,
                field=control,
            )
        )
        return
    if control in region.attributes:
        problems.append(Problem("duplicate-id", "field given twice", where=at, field=control))
        return
    region.attributes[control] = item
