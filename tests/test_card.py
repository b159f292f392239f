"""The dataset card: Hub metadata present, and every usage example runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from diplonews.contract import schema
from diplonews.export import card as card_module
from diplonews.export import metadata

CARD = (REPO / "dataset" / "README.md").read_text("utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", CARD, re.DOTALL)


def test_card_has_the_hub_metadata() -> None:
    metadata = yaml.safe_load(CARD.split("---\n", 2)[1])
    for key in (
        "license",
        "language",
        "task_categories",
        "task_ids",
        "size_categories",
        "pretty_name",
        "configs",
        "dataset_info",
    ):
        assert metadata.get(key), key


def test_card_has_one_example_per_config() -> None:
    for config in schema.CONFIG_NAMES:
        assert any(f'"{config}"' in example for example in EXAMPLES), config


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_card_example_runs(index: int, tmp_path) -> None:
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_DATASETS_CACHE": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", EXAMPLES[index]], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip(), "each example prints what it shows"


def test_readme_quickstart_runs(tmp_path) -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    quickstart = re.search(r"## Quickstart\n\n```python\n(.*?)```", readme, re.DOTALL)
    assert quickstart
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_DATASETS_CACHE": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", quickstart.group(1)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]


# The sections of the Hugging Face dataset card template (huggingface_hub's datasetcard_template.md).
HUB_SECTIONS = (
    "Dataset details", "Dataset description", "Dataset sources", "Uses", "Direct use", "Out-of-scope use",
    "Dataset structure", "Dataset creation", "Curation rationale", "Source data",
    "Data collection and processing", "Who are the source data producers?", "Annotations", "Annotation process",
    "Who are the annotators?", "Personal and sensitive information", "Bias, risks, and limitations",
    "Recommendations", "Citation", "Dataset card authors and contact",
)  # fmt: skip


def test_card_has_every_hub_template_section() -> None:
    headings = {line.lstrip("#").strip().lower() for line in CARD.splitlines() if line.startswith("#")}
    missing = [section for section in HUB_SECTIONS if section.lower() not in headings]
    assert not missing, missing


def test_every_count_in_the_card_prose_is_generated() -> None:
    """The template types no number but years: counts come from the data (placeholders, generated sections)."""
    prose = re.sub(r"```.*?```", "", card_module.card_template(), flags=re.DOTALL)
    numbers = set(re.findall(r"(?<![\w.$-])\d+(?![\w.-])", prose))
    assert numbers <= {"2023", "2024"}, numbers
    words = re.findall(
        r"\b(two|three|four|five|six|seven|eight|nine|ten)\s+(articles|configs|passes|layers)\b", prose, re.I
    )
    assert words in ([], [("two", "passes")]), words  # "two complete annotation passes" is the method, not data


def test_card_states_provenance_and_citation() -> None:
    metadata_yaml = yaml.safe_load(CARD.split("---\n", 2)[1])
    assert metadata_yaml["annotations_creators"] == ["machine-generated", "expert-generated"]
    assert "source_datasets" not in metadata_yaml
    assert "AI annotators" in CARD and "adjudicated by the" in CARD
    assert metadata.citation() in CARD and "@misc{" in CARD
    for entry in metadata_yaml["dataset_info"]:
        assert entry["citation"] == metadata.citation() and entry["description"] == metadata.DESCRIPTION
    assert "<!-- agreement:start -->" in CARD and "span_f1_exact" in CARD  # the generated agreement figures


def test_card_links_resolve_inside_the_dataset_folder() -> None:
    metadata_yaml = yaml.safe_load(CARD.split("---\n", 2)[1])
    links = [*re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", CARD), metadata_yaml["license_link"]]
    assert links
    for link in links:
        if link.startswith("http"):
            continue
        assert (REPO / "dataset" / link).is_file(), link
    assert (REPO / "dataset" / "DATASHEET.md").read_bytes() == (REPO / "DATASHEET.md").read_bytes()
    assert (REPO / "dataset" / "GUIDELINES.md").read_bytes() == (REPO / "annotations" / "GUIDELINES.md").read_bytes()


def test_loaded_info_is_filled_from_the_card(tmp_path) -> None:
    env = {**os.environ, "HF_DATASETS_CACHE": str(tmp_path / "cache")}
    snippet = (
        "import diplonews, datasets, json\n"
        "a = diplonews.load('tokens')\n"
        "b = datasets.load_dataset(diplonews.DATASET_PATH, 'entities', split='test')\n"
        "print(json.dumps([a.info.dataset_name, a.info.citation, a.info.license, a.info.homepage, bool(b.info.description)]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    name, citation, license_, homepage, described = json.loads(run.stdout.strip().splitlines()[-1])
    assert (name, citation, license_, homepage, described) == (
        "diplonews",
        metadata.citation(),
        metadata.LICENSE,
        metadata.HOMEPAGE,
        True,
    )
