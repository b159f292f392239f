"""Names, patterns and the labeling config every part of the Label Studio workflow agrees on.

The labeling config is generated from `diplonews.contract.labels`:
`annotations/label_studio.xml` is this module's output, committed so a maintainer can
paste it into a server by hand; a test fails when the file and `labels.py` drift apart.
The control names below are the contract between the config and `diplonews.labelstudio`
(push writes results under these names, pull refuses any other), so both read them here,
with the environment variables, the provenance file and the id patterns push and pull check.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from diplonews import paths
from diplonews.contract import labels, schema
from diplonews.contract.errors import display_path

CONFIG_FILE = Path("annotations") / "label_studio.xml"

# ---- names and patterns ----
URL_ENV = "LABEL_STUDIO_URL"
API_KEY_ENV = "LABEL_STUDIO_API_KEY"
DEFAULT_PROJECT = "diplonews"
PROVENANCE_FILE = "labelstudio.json"
META_KEY = "diplonews"  # task.meta[META_KEY]: what the folder format has and the task data does not show
REGION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")  # no '#': the editor appends '#<annotation>' to region ids
ENTITY_ID_PATTERN = re.compile(schema.ENTITIES.column("entity_id").pattern or r"^[a-z0-9_]+$")
DCT_PATTERN = re.compile(schema.DATE_PATTERN)


def where(path: object, line: int | None = None) -> str:
    """'file:line' for messages (the Label Studio modules locate problems by task and region too)."""
    text = display_path(str(path))
    return f"{text}:{line}" if line is not None else text


# ---- the labeling config ----

# The object: one task shows one article's raw text. Offsets are counted in it.
TEXT = "text"

# Region labels: one Labels control per layer; a region carries exactly one of them.
ENTITY = "entity"
TIMEX = "timex"
DISCREPANCY = "discrepancy"

# Per-region attributes (they share the id of the region they describe).
ENTITY_ID = "entity_id"
CANONICAL_NAME = "canonical_name"
SURFACE_ERROR = "surface_error"
TIMEX_VALUE = "timex_value"
TIMEX_MOD = "timex_mod"
TIMEX_ANCHOR = "timex_anchor"
DISCREPANCY_ID = "discrepancy_id"
DISCREPANCY_SCOPE = "discrepancy_scope"
DISCREPANCY_DESCRIPTION = "discrepancy_description"
DISCREPANCY_CORRECTION = "discrepancy_correction"
DISCREPANCY_DELETE = "discrepancy_delete"

# The single choice of the checkbox-like controls.
SURFACE_ERROR_CHOICE = "surface_error"
DCT_CHOICE = labels.DCT_ANCHOR
DELETE_CHOICE = "delete"

# Which per-region control belongs to which region label, and what kind of result it gives.
PER_REGION: dict[str, tuple[str, str]] = {
    ENTITY_ID: (ENTITY, "textarea"),
    CANONICAL_NAME: (ENTITY, "textarea"),
    SURFACE_ERROR: (ENTITY, "choices"),
    TIMEX_VALUE: (TIMEX, "textarea"),
    TIMEX_MOD: (TIMEX, "choices"),
    TIMEX_ANCHOR: (TIMEX, "choices"),
    DISCREPANCY_ID: (DISCREPANCY, "textarea"),
    DISCREPANCY_SCOPE: (DISCREPANCY, "choices"),
    DISCREPANCY_DESCRIPTION: (DISCREPANCY, "textarea"),
    DISCREPANCY_CORRECTION: (DISCREPANCY, "textarea"),
    DISCREPANCY_DELETE: (DISCREPANCY, "choices"),
}

# Article-level controls (not attached to a region): the annotator may correct them.
ARTICLE_EVENT = "event"
ARTICLE_TEXTAREAS: tuple[str, ...] = ("title", "publisher", "dct", "dct_evidence")
ARTICLE_CONTROLS: dict[str, str] = {ARTICLE_EVENT: "choices", **dict.fromkeys(ARTICLE_TEXTAREAS, "textarea")}

# Relation labels: a timex anchored to another timex; spans of one discrepancy.
RELATION_ANCHOR = "anchor"
RELATION_SAME_DISCREPANCY = "same_discrepancy"
RELATION_LABELS: tuple[str, ...] = (RELATION_ANCHOR, RELATION_SAME_DISCREPANCY)

# Closed value sets of every choice control, straight from labels.py.
CHOICE_VALUES: dict[str, tuple[str, ...]] = {
    SURFACE_ERROR: (SURFACE_ERROR_CHOICE,),
    TIMEX_MOD: labels.TIMEX_MODS,
    TIMEX_ANCHOR: (DCT_CHOICE,),
    DISCREPANCY_SCOPE: labels.DISCREPANCY_SCOPES,
    DISCREPANCY_DELETE: (DELETE_CHOICE,),
    ARTICLE_EVENT: labels.EVENTS,
}
LABEL_VALUES: dict[str, tuple[str, ...]] = {
    ENTITY: labels.ENTITY_LABELS,
    TIMEX: labels.TEMPORAL_TYPES,
    DISCREPANCY: labels.DISCREPANCY_TYPES,
}

# Label hotkeys, fixed (the editor would otherwise number every label and choice in document
# order, so a new control would shift them). The annotator presses one, then selects the text.
HOTKEYS: dict[str, str] = dict(
    zip(
        (*labels.ENTITY_LABELS, *labels.TEMPORAL_TYPES, *labels.DISCREPANCY_TYPES),
        "1234567890qwetasdfgzxcv",
        strict=True,
    )
)

_PALETTES: dict[str, tuple[str, ...]] = {
    ENTITY: (
        "#1f77b4",
        "#aec7e8",
        "#ff7f0e",
        "#2ca02c",
        "#98df8a",
        "#8c564b",
        "#e377c2",
        "#bcbd22",
        "#17becf",
        "#9467bd",
        "#c49c94",
    ),
    TIMEX: ("#6baed6", "#3182bd", "#9ecae1", "#08519c"),
    DISCREPANCY: ("#d62728", "#ff9896", "#e6550d", "#fd8d3c", "#a50f15", "#fdae6b", "#7f7f7f", "#c7c7c7"),
}


def _element(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, tag, attributes)


def _header(parent: ET.Element, text: str, size: str = "6") -> None:
    _element(parent, "Header", value=text, size=size)


def _labels(parent: ET.Element, name: str, header: str, hints: dict[str, str]) -> None:
    _header(parent, header, "5")
    control = _element(parent, "Labels", name=name, toName=TEXT, choice="single", showInline="true")
    palette = _PALETTES[name]
    for index, value in enumerate(LABEL_VALUES[name]):
        _element(
            control,
            "Label",
            value=value,
            background=palette[index % len(palette)],
            hint=hints[value],
            hotkey=HOTKEYS[value],
        )


def _textarea(parent: ET.Element, name: str, placeholder: str, *, per_region: bool, rows: int = 1) -> None:
    attributes = {
        "name": name,
        "toName": TEXT,
        "editable": "true",
        "maxSubmissions": "1",
        "rows": str(rows),
        "placeholder": placeholder,
    }
    if per_region:
        attributes["perRegion"] = "true"
    _element(parent, "TextArea", **attributes)


def _choices(parent: ET.Element, name: str, *, per_region: bool, required: bool = False) -> None:
    attributes = {"name": name, "toName": TEXT, "choice": "single", "showInline": "true"}
    if per_region:
        attributes["perRegion"] = "true"
    if required:
        attributes["required"] = "true"
    control = _element(parent, "Choices", **attributes)
    for value in CHOICE_VALUES[name]:
        _element(control, "Choice", value=value)


def _region_panel(parent: ET.Element, label_name: str, title: str) -> ET.Element:
    """Per-region controls show only while a region of this layer is selected."""
    panel = _element(
        parent, "View", visibleWhen="region-selected", whenTagName=label_name, className="diplonews-region"
    )
    _header(panel, title, "5")
    return panel


# The layout: the article on the left; on the right a column that stays in view while the
# text scrolls (sticky), holding the labels and the fields of the selected region, so the
# fields of a span deep in the text sit next to it. Relation arrows are drawn fainter (they
# cross the text) and the text gets a left margin so arrow labels are not clipped.
_CSS = """
.diplonews-layout { display: flex; align-items: flex-start; gap: 16px; }
.diplonews-article { flex: 1 1 58%; min-width: 0; padding-left: 72px; }
.diplonews-side { flex: 0 0 40%; position: sticky; top: 0; max-height: calc(100vh - 190px); overflow-y: auto;
  border-left: 1px solid #ddd; padding-left: 12px; }
.diplonews-region { background: #f4f4fb; border: 1px solid #b9b9e0; border-radius: 4px; padding: 4px 8px; margin-bottom: 8px; }
.diplonews-side h4, .diplonews-metadata h4 { font-size: 13px !important; line-height: 1.3 !important; margin: 6px 0 2px !important; }
.diplonews-region h4:first-child, .diplonews-labels h4, .diplonews-metadata h4:first-child { font-size: 16px !important; }
.diplonews-article svg[class*="relations-overlay"] { opacity: 0.45; }
.diplonews-article svg[class*="relations-overlay"]:hover { opacity: 1; }
"""


def label_config() -> str:
    """The XML, deterministic: the same labels.py and guidelines give the same bytes."""
    from diplonews.labelstudio.guidelines import label_hints

    hints = label_hints()
    top = root = ET.Element("View")
    root.append(
        ET.Comment(
            " Generated from src/diplonews/contract/labels.py and the label rules of annotations/GUIDELINES.md "
            "by diplonews.labelstudio.labeling_config; do not edit, run `diplonews labelstudio config`. "
        )
    )
    style = _element(root, "Style")
    style.text = _CSS
    layout = _element(root, "View", className="diplonews-layout")
    article = _element(layout, "View", className="diplonews-article")
    side = _element(layout, "View", className="diplonews-side")

    _header(article, "$article_id", "4")
    _element(article, "Text", name=TEXT, value="$text", granularity="symbol", saveTextResult="yes")
    relations = _element(article, "Relations")
    for value in RELATION_LABELS:
        _element(relations, "Relation", value=value)

    root = _element(side, "View", className="diplonews-fields")  # the selected region's fields, on top
    labels_view = _element(side, "View", className="diplonews-labels")
    _labels(labels_view, ENTITY, "Entities (guidelines section 1)", hints["entities"])
    _labels(labels_view, TIMEX, "Temporal expressions (section 2)", hints["temporal"])
    _labels(labels_view, DISCREPANCY, "Discrepancies (section 3)", hints["discrepancies"])

    panel = _region_panel(root, ENTITY, "Selected entity mention")
    _header(panel, "entity_id (lowercase slug of the canonical name, e.g. qin_gang)")
    _textarea(panel, ENTITY_ID, "entity_id", per_region=True)
    _header(panel, "canonical name (the referent's established English name)")
    _textarea(panel, CANONICAL_NAME, "canonical name", per_region=True)
    _choices(panel, SURFACE_ERROR, per_region=True)

    panel = _region_panel(root, TIMEX, "Selected temporal expression")
    _header(panel, "TIMEX3 value (empty = the text does not determine it)")
    _textarea(panel, TIMEX_VALUE, "e.g. 2024-04-26, PT7H30M, PAST_REF", per_region=True)
    _header(panel, "mod")
    _choices(panel, TIMEX_MOD, per_region=True)
    _header(panel, "anchor: tick dct, or draw an 'anchor' relation to the timex this one is resolved against")
    _choices(panel, TIMEX_ANCHOR, per_region=True)

    panel = _region_panel(root, DISCREPANCY, "Selected discrepancy span")
    _header(panel, "discrepancy_id (the same on every span of one discrepancy, in every article)")
    _textarea(panel, DISCREPANCY_ID, "e.g. d017", per_region=True)
    _header(panel, "scope")
    _choices(panel, DISCREPANCY_SCOPE, per_region=True)
    _header(panel, "description (what is wrong and how one knows)")
    _textarea(panel, DISCREPANCY_DESCRIPTION, "description", per_region=True, rows=3)
    _header(panel, "correction (empty = no single correction applies; tick delete when the span should go)")
    _textarea(panel, DISCREPANCY_CORRECTION, "correction", per_region=True, rows=2)
    _choices(panel, DISCREPANCY_DELETE, per_region=True)

    article = _element(top, "View", className="diplonews-metadata")
    _header(article, "Article metadata (section 4)", "5")
    _header(article, "event")
    _choices(article, ARTICLE_EVENT, per_region=False, required=True)
    _header(article, "title (empty = the file does not start with one)")
    _textarea(article, "title", "title", per_region=False)
    _header(article, "publisher (empty = the text does not name it)")
    _textarea(article, "publisher", "publisher", per_region=False)
    _header(article, "dct (YYYY-MM-DD; empty = undetermined)")
    _textarea(article, "dct", "YYYY-MM-DD", per_region=False)
    _header(article, "dct evidence (the words of the text the dct was inferred from)")
    _textarea(article, "dct_evidence", "evidence", per_region=False, rows=3)

    ET.indent(top, space="  ")
    return ET.tostring(top, encoding="unicode") + "\n"


def config_path(root: Path | None = None) -> Path:
    return (root or paths.repo_root()) / CONFIG_FILE
