"""Label Studio conversion without a server: offsets, the config, push/pull round trips, refusals.

Exports are built by hand (or from `build_tasks`, as the editor would submit them) so each
refusal can be shown with its message; tests/integration/test_labelstudio_roundtrip.py
runs the same conversions against a real server.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, raised
from diplonews import agreement, cli
from diplonews import labelstudio as ls
from diplonews.contract import labels
from diplonews.contract.errors import EXIT_OK, EXIT_UNUSABLE, DiplonewsError
from diplonews.io.annotations import AnnotationSet, load_annotations, read_raw_articles
from diplonews.labelstudio import guidelines
from diplonews.labelstudio import labeling_config as cfg

FIXTURE = Path(__file__).parent / "fixtures" / "labelstudio"
RAW = FIXTURE / "raw"
GOLD = FIXTURE / "gold"
EMOJI_ARTICLE = "900_00000000000000e1"
KEYS = {"entities": "mention_id", "temporal": "timex_id", "discrepancies": "discrepancy_id"}


# ---- helpers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw() -> dict:
    return read_raw_articles(RAW)


@pytest.fixture(scope="module")
def gold(raw: dict) -> AnnotationSet:
    return load_annotations(GOLD, raw, require_pins=True)


def export_of(
    tasks: list[ls.TaskSpec], annotators: dict[int, list[list[dict[str, Any]] | None]] | None = None
) -> list[dict[str, Any]]:
    """A JSON export as the server gives it: each user's annotation per task (None = none)."""
    annotators = annotators or {1: [task.result for task in tasks]}
    export = []
    next_id = 100
    for index, task in enumerate(tasks):
        annotations = []
        for user, results in annotators.items():
            if results[index] is None:
                continue
            next_id += 1
            annotations.append(
                {
                    "id": next_id,
                    "completed_by": user,
                    "result": copy.deepcopy(results[index]),
                    "was_cancelled": False,
                    "updated_at": "2026-11-23T00:00:00Z",
                }
            )
        export.append(
            {
                "id": index + 1,
                "data": copy.deepcopy(task.data),
                "meta": copy.deepcopy(task.meta),
                "annotations": annotations,
            }
        )
    return export


def assert_same_annotation(expected: AnnotationSet, actual: AnnotationSet) -> None:
    """Every field of every row, every span, every link; rows compared by id, not file order."""
    assert sorted(actual.articles, key=lambda r: r["id"]) == sorted(expected.articles, key=lambda r: r["id"])
    assert actual.catalog == expected.catalog
    for table, key in KEYS.items():
        assert sorted(actual.tables[table], key=lambda r: r[key]) == sorted(
            expected.tables[table], key=lambda r: r[key]
        ), table


def pull_to(
    tmp_path: Path, export: list[dict[str, Any]], raw: dict, users: dict[int, str] | None = None
) -> dict[str, Path]:
    folders = ls.convert_export(export, users or {1: "ann@example.org"}, raw)
    written = ls.write_folders(folders, tmp_path / "pulled", raw)
    return {folder.annotator: path for folder, path in zip(folders, written, strict=True)}


def refused(export: Any, raw: dict, users: dict[int, str] | None = None) -> list[tuple[str, str | None, str | None]]:
    """(code, where, field) of every problem a pull of `export` reports: what tests compare, not the text."""
    with pytest.raises(DiplonewsError) as error:
        ls.convert_export(export, users or {1: "ann@example.org"}, raw)
    return [(problem.code, problem.where, problem.field) for problem in error.value.problems]


AT = "task 1 (article 900_00000000000000e1), annotation 101 by ann@example.org"


def region(result: list[dict[str, Any]], region_id: str, control: str | None = None) -> dict[str, Any]:
    return next(r for r in result if r.get("id") == region_id and (control is None or r["from_name"] == control))


# ---- offsets ------------------------------------------------------------------------------


def test_emoji_counts_two_utf16_units() -> None:
    text = "😀 Hi"
    assert ls.codepoints_to_utf16(text, 2) == 3  # NOTES.md: Python offset 2 is Label Studio offset 3
    assert ls.utf16_to_codepoints(text, 3) == 2
    assert ls.codepoints_to_utf16(text, 0) == 0 and ls.codepoints_to_utf16(text, len(text)) == 5


def test_conversion_round_trips_every_offset() -> None:
    text = "a🇨🇳b é𝐁c\u00a0“d” 🗣️\n"  # flags (2 non-BMP), combining-free accents, math bold, NBSP, curly quotes, ZWJ-less emoji+VS16
    offsets = ls.OffsetMap(text)
    for index in range(len(text) + 1):
        units = ls.codepoints_to_utf16(text, index)
        assert units == len(text[:index].encode("utf-16-le")) // 2
        assert ls.utf16_to_codepoints(text, units) == index
        assert offsets.to_utf16(index) == units and offsets.to_codepoints(units) == index


def test_bmp_text_offsets_are_unchanged() -> None:
    text = "Blinken met “Wang Yi” in Beijing — 北京"
    assert all(ls.codepoints_to_utf16(text, i) == i for i in range(len(text) + 1))


@pytest.mark.parametrize("offset", [1, 4])
def test_offset_inside_a_surrogate_pair_is_refused(offset: int) -> None:
    with pytest.raises(ValueError, match="surrogate pair"):
        ls.utf16_to_codepoints("😀x😀", offset)
    with pytest.raises(ValueError, match="surrogate pair"):
        ls.OffsetMap("😀x😀").to_codepoints(offset)


def test_offset_outside_the_text_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the text"):
        ls.utf16_to_codepoints("😀", 3)
    with pytest.raises(ValueError, match="outside the text"):
        ls.codepoints_to_utf16("😀", 2)
    with pytest.raises(ValueError, match="negative"):
        ls.utf16_to_codepoints("x", -1)


# ---- the labeling config ------------------------------------------------------------------


def test_committed_config_is_generated_from_labels_py() -> None:
    committed = (REPO / cfg.CONFIG_FILE).read_text(encoding="utf-8")
    assert committed == cfg.label_config(), "annotations/label_studio.xml is stale: run `diplonews labelstudio config`"


def test_config_names_every_label_of_labels_py_and_nothing_else() -> None:
    root = ET.fromstring(cfg.label_config())
    controls = {element.get("name"): element for element in root.iter() if element.get("name")}
    for name, expected in (
        (cfg.ENTITY, labels.ENTITY_LABELS),
        (cfg.TIMEX, labels.TEMPORAL_TYPES),
        (cfg.DISCREPANCY, labels.DISCREPANCY_TYPES),
    ):
        assert controls[name].tag == "Labels" and controls[name].get("toName") == cfg.TEXT
        assert tuple(label.get("value") for label in controls[name]) == expected
    assert tuple(c.get("value") for c in controls[cfg.TIMEX_MOD]) == labels.TIMEX_MODS
    assert tuple(c.get("value") for c in controls[cfg.DISCREPANCY_SCOPE]) == labels.DISCREPANCY_SCOPES
    assert tuple(c.get("value") for c in controls[cfg.ARTICLE_EVENT]) == labels.EVENTS
    (relations,) = root.iter("Relations")
    assert tuple(r.get("value") for r in relations) == cfg.RELATION_LABELS


def test_every_label_has_a_hotkey_and_a_one_line_rule_from_the_guidelines() -> None:
    guidelines_text = " ".join((REPO / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8").split())
    root = ET.fromstring(cfg.label_config())
    seen = {}
    for control in root.iter("Labels"):
        for label in control:
            hint, value = label.get("hint") or "", label.get("value")
            assert hint.startswith(f"{value}: ") and "\n" not in hint and len(hint) <= guidelines.MAX_HINT, value
            rule = hint.removeprefix(f"{value}: ").split(" (e.g. ")[0]
            assert rule.replace("`", "") in guidelines_text.replace("`", "").replace("**", ""), value
            seen[label.get("hotkey")] = value
    assert len(seen) == len(labels.ENTITY_LABELS) + len(labels.TEMPORAL_TYPES) + len(labels.DISCREPANCY_TYPES)


def test_a_label_the_guidelines_do_not_define_is_refused() -> None:
    text = (REPO / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8").replace("| MONEY |", "| CASH |")
    with pytest.raises(ValueError, match="MONEY"):
        guidelines.label_hints(text)


def test_instructions_are_the_rendered_guidelines_with_html_escaped() -> None:
    html_text = guidelines.instructions_html()
    assert "<h2>diplonews annotation guidelines</h2>" in html_text and "<table>" in html_text
    assert "<td>PERSON</td>" in html_text and "<code>qin_gang</code>" in html_text
    rendered = guidelines.render_markdown(
        "# T <script>alert(1)</script>\n\n* a `<b>` **<i>x</i>**\n\n| a | b |\n|---|---|\n| <x> | y |\n"
    )
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "<code>&lt;b&gt;</code>" in rendered and "<strong>&lt;i&gt;x&lt;/i&gt;</strong>" in rendered
    assert "<td>&lt;x&gt;</td>" in rendered


def test_every_per_region_control_is_per_region_and_shown_with_its_layer() -> None:
    root = ET.fromstring(cfg.label_config())
    for panel in root.iter("View"):
        layer = panel.get("whenTagName")
        if layer is None:
            continue
        for control in panel:
            name = control.get("name")
            if name is None:
                continue
            assert control.get("perRegion") == "true", name
            assert cfg.PER_REGION[name] == (layer, control.tag.lower()), name
    names = {element.get("name") for element in root.iter() if element.get("perRegion") == "true"}
    assert names == set(cfg.PER_REGION)
    article_controls = {element.get("name") for element in root.iter() if element.get("name") in cfg.ARTICLE_CONTROLS}
    assert article_controls == set(cfg.ARTICLE_CONTROLS)


def test_config_command_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["labelstudio", "config", "--check"]) == EXIT_OK
    stale = tmp_path / "label_studio.xml"
    stale.write_text("<View/>\n", encoding="utf-8")
    assert cli.main(["labelstudio", "config", "--check", "--output", str(stale)]) == 1
    assert "stale" in capsys.readouterr().err
    assert cli.main(["labelstudio", "config", "--output", str(stale)]) == EXIT_OK
    assert stale.read_text(encoding="utf-8") == cfg.label_config()


# ---- push side ----------------------------------------------------------------------------


def test_tasks_carry_ids_editor_offsets_and_article_fields(gold: AnnotationSet, raw: dict) -> None:
    tasks = {task.article_id: task for task in ls.build_tasks(gold, raw)}
    task = tasks[EMOJI_ARTICLE]
    text = raw[EMOJI_ARTICLE].text
    assert task.data["text"] == text and task.data["sha256"] == gold.articles[0]["sha256"]
    blinken = region(task.result, "900-m001", cfg.ENTITY)["value"]
    python_start = text.index("Blinken")
    # 🇨🇳🤝🇺🇸: five non-BMP code points; the editor counts them as five (a browser session showed it), not ten
    assert (python_start, blinken["start"]) == (6, 6)
    assert blinken["text"] == "Blinken" and blinken["labels"] == ["PERSON"]
    assert region(task.result, "900-m005", cfg.SURFACE_ERROR)["value"]["choices"] == ["surface_error"]
    assert region(task.result, "900-m005", cfg.CANONICAL_NAME)["value"]["text"] == ["Qin Gang"]
    assert region(task.result, "900-t02", cfg.TIMEX_MOD)["value"]["choices"] == ["MORE_THAN"]
    anchors = [r for r in task.result if r.get("type") == "relation" and r["labels"] == [cfg.RELATION_ANCHOR]]
    assert anchors == [
        {"from_id": "900-t03", "to_id": "900-t01", "type": "relation", "direction": "right", "labels": ["anchor"]}
    ]
    assert region(task.result, "d103-s1", cfg.DISCREPANCY_DELETE)["value"]["choices"] == ["delete"]
    same = [
        (r["from_id"], r["to_id"])
        for r in task.result
        if r.get("type") == "relation" and r["labels"] == [cfg.RELATION_SAME_DISCREPANCY]
    ]
    assert same == [("d104-s1", "d104-s2")]
    assert region(task.result, "article-event")["value"] == {"choices": ["2023-06-beijing"]}
    assert task.meta[ls.META_KEY]["catalog"] == list(gold.catalog.values())


def test_blind_push_has_only_article_fields(gold: AnnotationSet, raw: dict) -> None:
    tasks = ls.build_tasks(gold, raw, preannotate="metadata")
    assert all(r["id"].startswith("article-") for task in tasks for r in task.result)
    assert all(task.result == [] for task in ls.build_tasks(gold, raw, preannotate="none"))


def test_id_that_cannot_be_a_region_id_is_refused(gold: AnnotationSet, raw: dict) -> None:
    layers = copy.deepcopy(gold.tables)
    layers["entities"][0]["mention_id"] = "900#m1"
    assert [code for code, *_ in raised(ls.build_tasks, gold, raw, layers=layers)] == ["bad-format"]


def test_model_predictions_file_becomes_preannotations(tmp_path: Path, gold: AnnotationSet, raw: dict) -> None:
    text = raw[EMOJI_ARTICLE].text
    start = text.index("Antony Blinken")
    path = tmp_path / "entities.jsonl"
    path.write_text(
        json.dumps({"article_id": EMOJI_ARTICLE, "start": start, "text": "Antony Blinken", "label": "PERSON"}) + "\n",
        encoding="utf-8",
    )
    rows = ls.read_predictions("entities", path, raw)
    assert rows[0]["mention_id"] == "pred-m0001" and rows[0]["end"] == start + len("Antony Blinken")
    tasks = ls.build_tasks(gold, raw, layers={**gold.tables, "entities": rows})
    regions = [r for task in tasks for r in task.result if r.get("from_name") == cfg.ENTITY]
    assert [r["id"] for r in regions] == ["pred-m0001"]
    path.write_text(
        json.dumps({"article_id": EMOJI_ARTICLE, "start": start + 1, "text": "Antony Blinken", "label": "PERSON"})
        + "\n",
        encoding="utf-8",
    )
    assert raised(ls.read_predictions, "entities", path, raw) == [("span-mismatch", None, None, "start")]


# ---- round trips (what the editor submits when the annotator accepts the pre-annotation) ---


def test_fixture_round_trip_is_lossless(tmp_path: Path, gold: AnnotationSet, raw: dict) -> None:
    tasks = ls.build_tasks(gold, raw)
    paths = pull_to(tmp_path, export_of(tasks), raw)
    back = load_annotations(paths["ann@example.org"], raw, require_pins=True)
    assert_same_annotation(gold, back)
    d102 = next(r for r in back.tables["discrepancies"] if r["discrepancy_id"] == "d102")
    assert [s["article_id"] for s in d102["spans"]] == ["901_00000000000000e2", EMOJI_ARTICLE]  # order kept, not sorted
    assert (paths["ann@example.org"] / "entity_catalog.jsonl").read_text(encoding="utf-8") == (
        GOLD / "entity_catalog.jsonl"
    ).read_text(encoding="utf-8")


PASSES = REPO / "annotations" / "passes"


@pytest.mark.parametrize(
    "folder",
    [
        "annotations/gold",
        *sorted(str(p.relative_to(REPO)) for p in (PASSES.iterdir() if PASSES.is_dir() else ()) if p.is_dir()),
    ],
)
def test_repository_annotations_round_trip(tmp_path: Path, folder: str) -> None:
    raw = read_raw_articles(REPO / "dataset" / "raw")
    source = load_annotations(REPO / folder, raw)
    paths = pull_to(tmp_path, export_of(ls.build_tasks(source, raw)), raw)
    assert_same_annotation(source, load_annotations(paths["ann@example.org"], raw))


def test_editor_ids_new_regions_and_relations_are_understood(tmp_path: Path, gold: AnnotationSet, raw: dict) -> None:
    """What a browser session adds: '#<annotation>' suffixes, random ids, relations without ids."""
    tasks = ls.build_tasks(gold, raw)
    result = copy.deepcopy(tasks[0].result)
    for item in result:
        if "id" in item:
            item["id"] = f"{item['id']}#17"
        if item.get("type") == "relation":
            item["from_id"] += "#17"
    text = raw[EMOJI_ARTICLE].text
    offsets = ls.OffsetMap(text)
    start = text.index("US Secretary") + 3
    value = {"start": offsets.to_editor(start), "end": offsets.to_editor(start + len("Secretary of State"))}
    result += [  # a new entity with a new referent, and a span joined to discrepancy d101 by a relation
        {
            "id": "Xk3_9aB-2q",
            "from_name": "entity",
            "to_name": "text",
            "type": "labels",
            "value": {**value, "text": "Secretary of State", "labels": ["ORG"]},
        },
        {
            "id": "Xk3_9aB-2q",
            "from_name": "canonical_name",
            "to_name": "text",
            "type": "textarea",
            "value": {**value, "text": ["US Secretary of State"]},
        },
        {
            "id": "p0QwErTy12",
            "from_name": "discrepancy",
            "to_name": "text",
            "type": "labels",
            "value": {**value, "text": "Secretary of State", "labels": ["name_error"]},
        },
        {"from_id": "d101-s1", "to_id": "p0QwErTy12", "type": "relation", "direction": "right", "labels": []},
    ]
    paths = pull_to(tmp_path, export_of(tasks, {1: [result, tasks[1].result]}), raw)
    back = load_annotations(paths["ann@example.org"], raw)
    assert "900-m001" in {r["mention_id"] for r in back.tables["entities"]}
    new = next(r for r in back.tables["entities"] if r["mention_id"] == "Xk3_9aB-2q")
    assert (new["entity_id"], new["canonical_name"], new["start"]) == (
        "us_secretary_of_state",
        "US Secretary of State",
        start,
    )
    assert back.catalog["us_secretary_of_state"] == {
        "entity_id": "us_secretary_of_state",
        "canonical_name": "US Secretary of State",
        "label": "ORG",
        "description": None,
    }
    d101 = next(r for r in back.tables["discrepancies"] if r["discrepancy_id"] == "d101")
    assert [s["text"] for s in d101["spans"]] == ["Chen Gang", "Secretary of State"]
    assert d101["description"] == '"Chen Gang" is a garbling of Qin Gang.'


def test_one_folder_per_annotator_and_unannotated_articles(tmp_path: Path, gold: AnnotationSet, raw: dict) -> None:
    tasks = ls.build_tasks(gold, raw)
    second = copy.deepcopy(tasks[0].result)
    region(second, "900-m002", cfg.ENTITY)["value"]["labels"] = ["LOC"]
    export = export_of(tasks, {1: [tasks[0].result, tasks[1].result], 2: [second, None]})
    paths = pull_to(tmp_path, export, raw, {1: "Ann@Example.org", 2: "bob.smith@example.org"})
    assert sorted(p.name for p in paths.values()) == ["ann-example-org", "bob-smith-example-org"]
    bob = load_annotations(paths["bob.smith@example.org"], raw)
    assert {r["article_id"] for r in bob.tables["entities"]} == {EMOJI_ARTICLE}
    record = json.loads((paths["bob.smith@example.org"] / ls.PROVENANCE_FILE).read_text(encoding="utf-8"))
    assert record["annotated_articles"] == [EMOJI_ARTICLE] and record["not_annotated"] == ["901_00000000000000e2"]
    sets, compared = ls.comparable_sets(list(paths.values()), RAW)
    assert compared == [EMOJI_ARTICLE]
    figures = agreement.agreement(sets)["mean"]["entities"]
    assert figures["span_f1_exact"] == 1.0 and figures["label_agreement"] == pytest.approx(6 / 7, abs=1e-4)


def test_agreement_and_adjudicate_commands(
    tmp_path: Path, gold: AnnotationSet, raw: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = ls.build_tasks(gold, raw)
    changed = [copy.deepcopy(task.result) for task in tasks]
    region(changed[0], "900-t02", cfg.TIMEX_VALUE)["value"]["text"] = ["PT6H"]
    paths = pull_to(
        tmp_path, export_of(tasks, {1: [t.result for t in tasks], 2: changed}), raw, {1: "a@x.org", 2: "b@x.org"}
    )
    folders = [str(p) for p in paths.values()]
    out = tmp_path / "figures.json"
    assert cli.main(["labelstudio", "agreement", *folders, "--raw-dir", str(RAW), "--json", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    assert "| temporal | value_agreement | 0.857 |" in printed
    assert json.loads(out.read_text(encoding="utf-8"))["mean"]["temporal"]["value_agreement"] == pytest.approx(
        6 / 7, abs=1e-4
    )
    adjudication = tmp_path / "adjudication"
    assert (
        cli.main(["labelstudio", "adjudicate", *folders, "--raw-dir", str(RAW), "--out", str(adjudication)]) == EXIT_OK
    )
    worklist = [
        json.loads(line) for line in (adjudication / "disagreements.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(worklist) == 1 and worklist[0]["layer"] == "temporal"
    assert {v["value"] for v in worklist[0]["versions"].values()} == {"PT5H", "PT6H"}
    assert cli.main(["labelstudio", "agreement", folders[0], "--raw-dir", str(RAW)]) == EXIT_UNUSABLE


# ---- refusals: clear message, nothing written ---------------------------------------------


@pytest.fixture
def tasks(gold: AnnotationSet, raw: dict) -> list[ls.TaskSpec]:
    return ls.build_tasks(gold, raw)


def test_region_whose_text_does_not_match_is_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    value = region(export[0]["annotations"][0]["result"], "900-m001", cfg.ENTITY)["value"]
    value["start"] += 6  # as if offsets were UTF-16 units: six characters late
    value["end"] += 6
    assert refused(export, raw) == [("span-mismatch", f"{AT}, region '900-m001'", "text")]


def test_unknown_label_is_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    region(export[0]["annotations"][0]["result"], "900-m002", cfg.ENTITY)["value"]["labels"] = ["CITY"]
    # its entity_id and canonical_name are not reported as fields of a missing region
    assert refused(export, raw) == [("unknown-label", f"{AT}, region '900-m002'", "entity")]


def test_relation_to_a_missing_region_is_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    result = export[0]["annotations"][0]["result"]
    result.append({"from_id": "d104-s1", "to_id": "gone123", "type": "relation", "direction": "right", "labels": []})
    assert refused(export, raw) == [("unknown-region", f"{AT}, result[{len(result) - 1}]", "to_id")]


def test_offset_outside_the_article_is_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    value = region(export[0]["annotations"][0]["result"], "d105-s1", cfg.DISCREPANCY)["value"]
    value["end"] = 10_000
    assert refused(export, raw) == [("span-out-of-range", f"{AT}, region 'd105-s1'", "start")]


def test_unknown_control_and_choice_are_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    result = export[0]["annotations"][0]["result"]
    result.append(
        {"id": "x1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}
    )
    region(result, "900-t02", cfg.TIMEX_MOD)["value"]["choices"] = ["ROUGHLY"]
    assert sorted(refused(export, raw)) == [
        ("unknown-field", f"{AT}, region 'x1'", "from_name"),
        ("unknown-label", f"{AT}, region '900-t02'", cfg.TIMEX_MOD),
    ]


def test_spans_of_a_discrepancy_must_agree(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    region(export[1]["annotations"][0]["result"], "d102-s1", cfg.DISCREPANCY_DESCRIPTION)["value"]["text"] = [
        "edited on one span only"
    ]
    with pytest.raises(DiplonewsError) as error:
        ls.convert_export(export, {1: "ann@example.org"}, raw)
    (problem,) = error.value.problems
    assert (problem.code, problem.field) == ("inconsistent-value", cfg.DISCREPANCY_DESCRIPTION)
    assert "edited on one span only" in problem.value and problem.where.endswith("region 'd102-s1'")


def test_linked_spans_with_different_ids_are_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    export[0]["annotations"][0]["result"].append(
        {
            "from_id": "d101-s1",
            "to_id": "d103-s1",
            "type": "relation",
            "direction": "right",
            "labels": ["same_discrepancy"],
        }
    )
    with pytest.raises(DiplonewsError) as error:
        ls.convert_export(export, {1: "ann@example.org"}, raw)
    (problem,) = error.value.problems
    assert (problem.code, problem.field, problem.value) == ("inconsistent-value", cfg.DISCREPANCY_ID, ["d101", "d103"])


def test_missing_attributes_are_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    result = export[0]["annotations"][0]["result"]
    result[:] = [
        r for r in result if not (r.get("id") == "900-m003" and r["from_name"] in {cfg.ENTITY_ID, cfg.CANONICAL_NAME})
    ]
    result[:] = [r for r in result if r.get("id") != "article-event"]
    region(result, "900-t01", cfg.TIMEX_VALUE)["value"]["text"] = ["19 June"]
    assert sorted(refused(export, raw)) == [
        ("missing-field", AT, cfg.ARTICLE_EVENT),
        ("missing-field", f"{AT}, region '900-m003'", cfg.ENTITY_ID),
        ("timex-grammar", f"{AT}, region '900-t01'", cfg.TIMEX_VALUE),
    ]


def test_task_text_that_differs_from_the_raw_file_is_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks)
    export[1]["data"]["text"] = export[1]["data"]["text"].replace("Sunday", "Sonday")
    assert refused(export, raw) == [("raw-file-changed", "task 2", "data.text")]


def test_two_annotations_by_one_annotator_are_refused(tasks: list[ls.TaskSpec], raw: dict) -> None:
    export = export_of(tasks, {1: [t.result for t in tasks]})
    export[0]["annotations"].append({**export[0]["annotations"][0], "id": 999})
    assert refused(export, raw) == [
        ("duplicate-id", "task 1 (article 900_00000000000000e1), annotation 999 by ann@example.org", "completed_by")
    ]


def test_failed_pull_leaves_the_output_untouched(tmp_path: Path, tasks: list[ls.TaskSpec], raw: dict) -> None:
    good = ls.convert_export(export_of(tasks), {1: "ann@example.org", 2: "bob@example.org"}, raw)
    out = tmp_path / "labelstudio"
    ls.write_folders(good, out, raw)
    before = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    bad = export_of(tasks, {1: [t.result for t in tasks], 2: [t.result for t in tasks]})
    region(bad[0]["annotations"][1]["result"], "900-m002", cfg.ENTITY)["value"]["labels"] = ["CITY"]
    with pytest.raises(DiplonewsError):
        folders = ls.convert_export(bad, {1: "ann@example.org", 2: "bob@example.org"}, raw)
        ls.write_folders(folders, out, raw)
    assert {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir()) == ["ann-example-org"]


def test_folder_that_does_not_load_is_not_written(tmp_path: Path, tasks: list[ls.TaskSpec], raw: dict) -> None:
    folders = ls.convert_export(export_of(tasks), {1: "ann@example.org"}, raw)
    folders[0].files["entities.jsonl"][0]["text"] = "Blinkn"  # a bug in the conversion would be caught by the loader
    problems = raised(ls.write_folders, folders, tmp_path / "out", raw)
    assert [(code, file.rsplit("/", 1)[-1] if file else None, line) for code, file, line, _ in problems] == [
        ("span-mismatch", "entities.jsonl", 1)
    ]
    assert not (tmp_path / "out").exists()


def test_push_and_pull_need_a_server(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(ls.URL_ENV, raising=False)
    monkeypatch.delenv(ls.API_KEY_ENV, raising=False)
    assert cli.main(["labelstudio", "pull", "--raw-dir", str(RAW)]) == EXIT_UNUSABLE
    err = capsys.readouterr().err
    assert "error[usage]: field '--url'" in err and "error[usage]: field '--api-key'" in err
