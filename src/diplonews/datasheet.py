"""`diplonews datasheet`: the generated parts of DATASHEET.md, and its plots.

DATASHEET.md is prose written by people, with marked sections
(`<!-- name:start -->` ... `<!-- name:end -->`) that only this module writes: the
statistics (the same tables the card shows) and the agreement figures recomputed from the
kept annotation passes. `--check` fails when a marked section or a plot no longer matches
the data, so a number in the datasheet can never silently drift.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from diplonews import agreement, paths
from diplonews.build import BuildResult, compile_dataset
from diplonews.build import write as publish
from diplonews.contract import labels
from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.export.statistics import statistics_markdown
from diplonews.io.files import atomic_write_bytes, atomic_write_text

DATASHEET = "DATASHEET.md"
FIGURES_DIR = Path("figures")
PASSES_DIR = Path("annotations") / "passes"
_SECTION = "<!-- {name}:start -->\n{body}\n<!-- {name}:end -->"


LAYER_PASS_SUFFIX = "_discrepancies"  # a blind pass of the discrepancy layer only, compared with the gold


def agreement_markdown(root: Path) -> str:
    every = sorted(p for p in (root / PASSES_DIR).iterdir() if p.is_dir()) if (root / PASSES_DIR).is_dir() else []
    folders = [folder for folder in every if not folder.name.endswith(LAYER_PASS_SUFFIX)]
    if len(folders) < 2:
        return "_No two annotation passes are kept under annotations/passes/, so no agreement can be computed._"
    result = agreement.agreement(agreement.load_sets(folders, root))
    return (
        f"Computed by `python scripts/agreement.py` from `annotations/passes/` ({', '.join(result['annotators'])}), "
        "before adjudication. Spans match exactly (`_exact`) or by overlap (`_overlap`); attribute agreement "
        "is measured on exactly matched spans (discrepancy types: on overlapping spans).\n\n"
        + agreement.render_table(result).split("\n", 1)[1]
        + "".join(_layer_pass_markdown(root, folder) for folder in every if folder.name.endswith(LAYER_PASS_SUFFIX))
    )


def _layer_pass_markdown(root: Path, folder: Path) -> str:
    """A blind pass of the discrepancy layer (made from GUIDELINES.md and the raw texts alone) against the gold."""
    sets = agreement.load_sets([root / paths.GOLD_DIR, folder], root)
    figures = agreement.pair_agreement(sets["gold"], sets[folder.name])["discrepancies"]
    rows = "".join(
        f"| discrepancies | {key} | {value:g} |\n"
        if key.startswith("n_")
        else f"| discrepancies | {key} | {value:.3f} |\n"
        for key, value in figures.items()
        if value is not None
    )
    guidelines = (root / "annotations" / "GUIDELINES.md").read_text("utf-8")
    gold_spans = {
        (s["article_id"], s["start"], s["end"]): s["text"]
        for row in sets["gold"].tables["discrepancies"]
        for s in row["spans"]
    }
    blind_spans = {
        (s["article_id"], s["start"], s["end"])
        for row in sets[folder.name].tables["discrepancies"]
        for s in row["spans"]
    }
    unquoted = [key for key, text in gold_spans.items() if text not in guidelines]
    rows += f"| discrepancies | gold spans quoted verbatim in GUIDELINES.md | {len(gold_spans) - len(unquoted)} of {len(gold_spans)} |\n"
    rows += f"| discrepancies | exact recall on the gold spans the guidelines do not quote | {sum(key in blind_spans for key in unquoted)} of {len(unquoted)} |\n"
    return (
        f"\n\nBlind pass `annotations/passes/{folder.name}` (discrepancy layer only, made from GUIDELINES.md and the raw "
        "texts alone, after the 0.2 guideline tightening) against the adjudicated gold. The tightened "
        "guidelines quote many gold spans as examples, which inflates this agreement; the last two rows "
        "separate the spans they quote from those they do not:\n\n| layer | figure | value |\n|---|---|---|\n"
        + rows.rstrip("\n")
    )


def replace_section(text: str, name: str, body: str, where: str) -> str:
    pattern = re.compile(rf"<!-- {name}:start -->\n.*?\n<!-- {name}:end -->", re.DOTALL)
    if not pattern.search(text):
        raise DiplonewsError(
            Problem(
                "stale-file",
                f"no marked section '{name}'",
                file=where,
                hint=f"add the lines '<!-- {name}:start -->' and '<!-- {name}:end -->'",
            )
        )
    return pattern.sub(lambda _: _SECTION.format(name=name, body=body.strip()), text, count=1)


def _figure_data(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    article_ids = [row["id"] for row in tables["articles"]]
    per_article: dict[str, Counter[str]] = {article_id: Counter() for article_id in article_ids}
    for row in tables["discrepancies"]:
        for article_id in sorted({span["article_id"] for span in row["spans"]}):
            per_article[article_id][row["type"]] += 1
    return {
        "labels": {label: sum(row["label"] == label for row in tables["entities"]) for label in labels.ENTITY_LABELS},
        "discrepancies": {
            article_id[:3]: [per_article[article_id][kind] for kind in labels.DISCREPANCY_TYPES]
            for article_id in article_ids
        },
    }


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def render_figures(tables: dict[str, list[dict[str, Any]]]) -> dict[str, bytes]:
    """PNG bytes per figure; each PNG carries the digest of the data it plots."""
    try:
        import matplotlib
    except ImportError:
        raise DiplonewsError(
            Problem(
                "missing-dependency",
                "matplotlib is not installed",
                hint="pip install 'diplonews[plots]' to draw the figures",
            )
        ) from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = _figure_data(tables)
    figures: dict[str, bytes] = {}

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=100)
    names = list(data["labels"])
    ax.barh(names[::-1], [data["labels"][n] for n in names][::-1], color="#4c72b0")
    ax.set_xlabel("mentions")
    ax.set_title("Entity mentions per label")
    fig.tight_layout()
    figures["entity_labels.png"] = _png(fig, data["labels"])
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    left = [0] * len(data["discrepancies"])
    articles = list(data["discrepancies"])
    colors = plt.get_cmap("tab10").colors  # type: ignore[attr-defined]  # a ListedColormap
    for index, kind in enumerate(labels.DISCREPANCY_TYPES):
        counts = [data["discrepancies"][a][index] for a in articles]
        ax.barh(articles, counts, left=left, label=kind, color=colors[index % len(colors)])
        left = [x + y for x, y in zip(left, counts, strict=True)]
    ax.set_xlabel("discrepancies touching the article")
    ax.set_ylabel("article")
    ax.set_title("Discrepancies by type and article")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    figures["discrepancies_by_article.png"] = _png(fig, data["discrepancies"])
    plt.close(fig)
    return figures


def _png(fig: Any, data: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(
        buffer, format="png", metadata={"Software": None, "Description": f"diplonews-data-sha256:{_digest(data)}"}
    )
    return buffer.getvalue()


def _png_digest(data: bytes) -> str | None:
    match = re.search(rb"diplonews-data-sha256:([0-9a-f]{64})", data)
    return match.group(1).decode() if match else None


def render_text(root: Path, result: BuildResult) -> str:
    path = root / DATASHEET
    if not path.is_file():
        raise DiplonewsError(
            Problem("missing-file", "missing", file=display_path(path), hint="restore DATASHEET.md from git")
        )
    text = path.read_text("utf-8")
    text = replace_section(text, "statistics", statistics_markdown(result.tables), display_path(path))
    return replace_section(text, "agreement", agreement_markdown(root), display_path(path))


def stale(root: Path) -> list[Problem]:
    result = compile_dataset(root)
    problems = []
    hint = "run `diplonews datasheet` and commit DATASHEET.md and figures/"
    if (root / DATASHEET).read_text("utf-8") != render_text(root, result):
        problems.append(
            Problem(
                "stale-file",
                "a generated section differs from the data",
                file=display_path(root / DATASHEET),
                hint=hint,
            )
        )
    expected = {name: _digest(data) for name, data in _figure_data(result.tables).items()}
    digests = {"entity_labels.png": expected["labels"], "discrepancies_by_article.png": expected["discrepancies"]}
    for name in digests:
        path = root / FIGURES_DIR / name
        if not path.is_file():
            problems.append(Problem("missing-file", "missing", file=display_path(path), hint=hint))
        elif _png_digest(path.read_bytes()) != digests[name]:
            problems.append(
                Problem("stale-file", "plots other data than the dataset's", file=display_path(path), hint=hint)
            )
    return problems


def write(root: Path) -> int:
    """Regenerate DATASHEET.md's marked sections and the plots; the number of figures written."""
    result = compile_dataset(root)
    text, figures = render_text(root, result), render_figures(result.tables)
    atomic_write_text(root / DATASHEET, text)
    for name, data in figures.items():
        atomic_write_bytes(root / FIGURES_DIR / name, data)
    publish(root, compile_dataset(root))  # the dataset folder ships a copy of DATASHEET.md and the figures
    return len(figures)
