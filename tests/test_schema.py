"""The contract is the one source: the card, the Parquet files and the labels agree with it."""

from __future__ import annotations

import pyarrow.parquet as pq
import yaml
from datasets import Features

from conftest import REPO
from diplonews import paths
from diplonews.contract import labels, schema
from diplonews.contract.rules import RULES
from diplonews.export import hf
from diplonews.io import dataset as arrow


def _card_yaml() -> dict:
    text = (REPO / "dataset" / "README.md").read_text("utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_card_features_are_generated_from_the_contract() -> None:
    infos = {info["config_name"]: info for info in _card_yaml()["dataset_info"]}
    assert set(infos) == set(schema.CONFIG_NAMES)
    for name, table in schema.DATASET_TABLES.items():
        assert Features._from_yaml_list(infos[name]["features"]) == hf.features(table), name


def test_card_declares_every_config_with_its_file_and_version() -> None:
    from diplonews.version import __version__

    configs = {c["config_name"]: c for c in _card_yaml()["configs"]}
    assert list(configs) == list(schema.CONFIG_NAMES)
    for name, config in configs.items():
        assert config["data_files"] == [{"split": "test", "path": paths.DATA_FILE_TEMPLATE.format(config=name)}]
        assert config["version"] == __version__
    assert [name for name, c in configs.items() if c.get("default")] == ["articles"]


def test_parquet_files_have_the_contract_schema() -> None:
    for name, table in schema.DATASET_TABLES.items():
        stored = pq.read_schema(REPO / "dataset" / paths.DATA_FILE_TEMPLATE.format(config=name))
        assert stored.equals(arrow.arrow_schema(table)), name


def test_class_label_columns_use_the_label_module() -> None:
    used = {column.labels for table in schema.DATASET_TABLES.values() for column in table.columns if column.labels}
    assert used == {
        labels.EVENTS,
        labels.ENTITY_LABELS,
        labels.TEMPORAL_TYPES,
        labels.TIMEX_MODS,
        labels.DISCREPANCY_TYPES,
        labels.DISCREPANCY_SCOPES,
        labels.NER_TAGS,
        labels.TIMEX_TAGS,
    }
    for table in schema.DATASET_TABLES.values():
        for column in table.columns:
            assert (column.dtype in ("class_label", "class_label_list")) <= (column.labels is not None), column.name
            assert column.description.strip(), f"{table.name}.{column.name} needs a description"


def test_every_rule_a_table_names_is_defined() -> None:
    for table in schema.DATASET_TABLES.values():
        for rule in table.rules:
            assert rule in RULES, rule


def test_issue_contract_columns_are_present() -> None:
    required = {
        "articles": {
            "id",
            "text",
            "sha256",
            "source_file",
            "title",
            "publisher",
            "event",
            "dct",
            "dct_evidence",
            "language",
            "n_chars",
        },
        "entities": {
            "article_id",
            "mention_id",
            "start",
            "end",
            "text",
            "label",
            "entity_id",
            "canonical_name",
            "surface_error",
        },
        "temporal": {"article_id", "timex_id", "start", "end", "text", "type", "value", "mod", "anchor"},
        "discrepancies": {"discrepancy_id", "type", "scope", "spans", "description", "correction"},
    }
    for name, columns in required.items():
        assert columns <= set(schema.DATASET_TABLES[name].column_names), name


def test_iob_tag_names_are_derived_from_the_label_sets() -> None:
    assert labels.NER_TAGS[0] == "O" and labels.TIMEX_TAGS[0] == "O"
    assert labels.NER_TAGS[1:3] == ("B-PERSON", "I-PERSON")
    assert set(labels.NER_TAGS) == {"O"} | {f"{p}-{name}" for name in labels.ENTITY_LABELS for p in "BI"}
    assert set(labels.TIMEX_TAGS) == {"O"} | {f"{p}-{name}" for name in labels.TEMPORAL_TYPES for p in "BI"}
    assert schema.TOKENS.column("ner_tags").labels == labels.NER_TAGS
    assert schema.TOKENS.column("timex_tags").labels == labels.TIMEX_TAGS
