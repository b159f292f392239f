"""dataset/croissant.json: generated from the contract, valid Croissant, readable offline."""

from __future__ import annotations

import json

import pytest

from conftest import REPO
from diplonews.contract import labels, schema

CROISSANT = REPO / "dataset" / "croissant.json"


def test_record_sets_and_fields_follow_the_contract() -> None:
    metadata = json.loads(CROISSANT.read_text("utf-8"))
    record_sets = {rs["@id"]: rs for rs in metadata["recordSet"]}
    for name, table in schema.DATASET_TABLES.items():
        assert [f["name"] for f in record_sets[name]["field"]] == list(table.column_names)
    entity_label = next(f for f in record_sets["entities"]["field"] if f["name"] == "label")
    names_set = record_sets[entity_label["references"]["field"]["@id"].split("/")[0]]
    assert [row[f"{names_set['@id']}/name"] for row in names_set["data"]] == list(labels.ENTITY_LABELS)


def test_mlcroissant_validates_and_reads_records() -> None:
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(CROISSANT))
    records = list(dataset.records("discrepancies"))
    assert len(records) > 0
    first = records[0]
    spans = first["discrepancies/spans"]
    assert spans and {"discrepancies/spans/start", "discrepancies/spans/text"} <= set(spans[0])
    label_names = [r["entities_label_names/name"] for r in dataset.records("entities_label_names")]
    assert [n.decode() if isinstance(n, bytes) else n for n in label_names] == list(labels.ENTITY_LABELS)


def test_mlcroissant_reads_the_tokens_config_and_its_tag_names() -> None:
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(CROISSANT))
    first = next(iter(dataset.records("tokens")))
    tokens = [t.decode() if isinstance(t, bytes) else t for t in first["tokens/tokens"]]
    tags = [t.decode() if isinstance(t, bytes) else t for t in first["tokens/ner_tags"]]
    assert len(tokens) == len(tags) == len(first["tokens/starts"]) > 0
    assert set(tags) <= set(labels.NER_TAGS)
    names = [r["tokens_ner_tags_names/name"] for r in dataset.records("tokens_ner_tags_names")]
    assert [n.decode() if isinstance(n, bytes) else n for n in names] == list(labels.NER_TAGS)
