"""The real `datasets.load_dataset` on the built folder, offline, as a researcher calls it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import diplonews
from conftest import REPO
from diplonews.contract import schema
from diplonews.export import hf

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cache = tmp_path_factory.mktemp("hf-cache")  # fresh cache: the folder's cache key ignores file content
    return {
        name: datasets.load_dataset(diplonews.DATASET_PATH, name, split="test", cache_dir=str(cache))
        for name in schema.CONFIG_NAMES
    }


def test_every_config_loads_with_the_declared_features(loaded: dict) -> None:
    for name, table in schema.DATASET_TABLES.items():
        assert loaded[name].features == hf.features(table), name
        assert loaded[name].num_rows > 0, name
        assert loaded[name].info.version is not None and str(loaded[name].info.version) == diplonews.__version__


def test_articles_are_the_seeds_byte_for_byte(loaded: dict) -> None:
    articles = loaded["articles"]
    raw_files = sorted((REPO / "dataset" / "raw").glob("*.txt"))
    assert sorted(articles["id"]) == [p.stem for p in raw_files]
    for row in articles:
        data = (REPO / "dataset" / row["source_file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert row["text"].encode("utf-8") == data
        assert row["n_chars"] == len(row["text"])


def test_seeds_in_shared_match_when_present(loaded: dict) -> None:
    seeds = Path(REPO).parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"{seeds} not on this machine (only the maintainers' checkout has it)")
    digests = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in seeds.glob("*.txt")}
    assert dict(zip(loaded["articles"]["id"], loaded["articles"]["sha256"], strict=True)) == digests


def test_spans_slice_the_loaded_text(loaded: dict) -> None:
    texts = dict(zip(loaded["articles"]["id"], loaded["articles"]["text"], strict=True))
    checked = 0
    for name in ("entities", "temporal"):
        for row in loaded[name]:
            assert texts[row["article_id"]][row["start"] : row["end"]] == row["text"]
            checked += 1
    for row in loaded["discrepancies"]:
        for span in row["spans"]:
            assert texts[span["article_id"]][span["start"] : span["end"]] == span["text"]
            checked += 1
    assert checked > 0


def test_default_config_is_articles(tmp_path: Path) -> None:
    articles = datasets.load_dataset(diplonews.DATASET_PATH, split="test", cache_dir=str(tmp_path))
    assert "text" in articles.column_names and articles.num_rows == len(list((REPO / "dataset" / "raw").glob("*.txt")))


def test_unknown_label_in_a_data_file_is_rejected_by_the_card_features(tmp_path: Path) -> None:
    """The card's features act as a schema: a label outside the ClassLabel set cannot load."""
    import shutil

    import pyarrow.parquet as pq

    folder = tmp_path / "dataset"
    shutil.copytree(REPO / "dataset", folder)
    path = folder / "entities" / "test-00000-of-00001.parquet"
    table = pq.read_table(path)
    labels = table.column("label").to_pylist()
    labels[0] = "NOT_A_LABEL"
    pq.write_table(table.set_column(table.schema.get_field_index("label"), "label", [labels]), path)
    with pytest.raises(datasets.exceptions.DatasetGenerationError) as error:
        datasets.load_dataset(str(folder), "entities", split="test", cache_dir=str(tmp_path / "cache"))
    assert "Invalid string class label NOT_A_LABEL" in str(error.value.__cause__)
