"""The dataset card (`dataset/README.md`): Hub YAML generated from the contract.

The YAML front matter (configs, features, version, split sizes) is computed from
`diplonews.contract.schema` and the built rows; the prose comes from `templates/dataset_card.md`.
Nothing in the card is typed by hand twice.
"""

from __future__ import annotations

from importlib import resources
from string import Template
from typing import Any

import yaml
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from diplonews import paths
from diplonews.contract import schema
from diplonews.export import hf, metadata
from diplonews.version import __version__

CARD_METADATA: dict[str, Any] = {
    "pretty_name": "diplonews: noisy news on Blinken's visits to China, with gold and discrepancies",
    "language": ["en"],
    "license": "other",
    "license_name": "diplonews-annotations-cc-by-4.0-texts-unlicensed",
    "license_link": paths.DATASHEET_FILE,  # ships in the dataset folder (copied by the build)
    "size_categories": ["n<1K"],
    "task_categories": ["token-classification", "text-classification"],
    "task_ids": ["named-entity-recognition"],
    # AI annotators (blind passes), adjudicated by the maintainers: the card's Annotations section says how.
    "annotations_creators": ["machine-generated", "expert-generated"],
    "language_creators": ["machine-generated", "found"],
    "multilinguality": ["monolingual"],
    # No `source_datasets`: the texts are found web reprints, not another dataset, and not original writing.
    "tags": ["temporal-expressions", "timex3", "entity-linking", "data-quality", "machine-translation-noise"],
}


def dataset_info_yaml(row_counts: dict[str, int]) -> list[dict[str, Any]]:
    infos = DatasetInfosDict()
    for name, table in schema.DATASET_TABLES.items():
        splits = SplitDict()
        splits.add(SplitInfo(name=schema.SPLIT, num_examples=row_counts[name]))
        infos[name] = DatasetInfo(features=hf.features(table), splits=splits)
    card_data = DatasetCardData()
    infos.to_dataset_card_data(card_data)
    # `datasets` reads any DatasetInfo field from here (not only features and splits): these fill
    # info.description, .citation, .homepage and .license wherever the folder is loaded from.
    return [{**entry, **metadata.info_fields()} for entry in card_data["dataset_info"]]


def card_yaml(row_counts: dict[str, int]) -> dict[str, Any]:
    configs = [
        {
            "config_name": name,
            "data_files": [{"split": schema.SPLIT, "path": paths.DATA_FILE_TEMPLATE.format(config=name)}],
            "version": __version__,
            **({"default": True} if name == "articles" else {}),
        }
        for name in schema.DATASET_TABLES
    ]
    return {**CARD_METADATA, "configs": configs, "dataset_info": dataset_info_yaml(row_counts)}


def card_template() -> str:
    return resources.files("diplonews.templates").joinpath("dataset_card.md").read_text("utf-8")


def render_card(row_counts: dict[str, int], statistics_markdown: str, agreement_markdown: str) -> str:
    """The card: YAML from the contract and the rows; prose from the template, every number substituted."""
    front = yaml.safe_dump(card_yaml(row_counts), sort_keys=False, allow_unicode=True, width=100)
    body = Template(card_template()).substitute(
        version=__version__,
        n_articles=row_counts["articles"],
        n_configs=len(schema.DATASET_TABLES),
        split=schema.SPLIT,
        curators=metadata.CURATORS,
        contact=metadata.CONTACT,
        homepage=metadata.HOMEPAGE,
        citation=metadata.citation(),
        configs_table=_configs_table(),
        columns_section=_columns_section(),
        statistics=statistics_markdown.strip(),
        agreement=agreement_markdown.strip(),
    )
    return f"---\n{front}---\n\n{body}"


def _configs_table() -> str:
    lines = ["| config | rows are | key |", "|---|---|---|"]
    for table in schema.DATASET_TABLES.values():
        lines.append(f"| `{table.name}` | {table.description} | `{table.key}` |")
    return "\n".join(lines)


def _columns_section() -> str:
    parts = []
    for table in schema.DATASET_TABLES.values():
        parts.append(f"#### `{table.name}`\n\n| column | type | description |\n|---|---|---|")
        for column in table.columns:
            kind = f"ClassLabel({', '.join(column.labels or ())})" if column.dtype == "class_label" else column.dtype
            if column.dtype == "class_label_list":
                names = column.labels or ()
                kind = f"list of ClassLabel({', '.join(names[:3])}, ... {len(names)} IOB2 tags)"
            elif column.dtype in ("string_list", "int32_list"):
                kind = f"list of {column.dtype.removesuffix('_list')}"
            if column.dtype == "span_list":
                kind = "list of {" + ", ".join(f"{n}: {k}" for n, k in schema.SPAN_FIELDS) + "}"
            nullable = ", nullable" if column.nullable else ""
            parts.append(f"| `{column.name}` | {kind}{nullable} | {column.description} |")
        parts.append("")
    return "\n".join(parts).strip()
