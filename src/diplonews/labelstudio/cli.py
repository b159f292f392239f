"""`diplonews labelstudio ...`: config, push, pull, agreement, adjudicate."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from diplonews import agreement, paths
from diplonews.contract.errors import EXIT_FAILED, EXIT_OK, DiplonewsError, Problem, display_path
from diplonews.io.annotations import (
    LAYER_FILES,
    load_annotations,
    read_raw_articles,
)
from diplonews.io.files import atomic_write_text
from diplonews.labelstudio import labeling_config as cfg
from diplonews.labelstudio.compare import comparable_sets, load_folders
from diplonews.labelstudio.export import pull
from diplonews.labelstudio.folders import check_out_dir
from diplonews.labelstudio.labeling_config import API_KEY_ENV, DEFAULT_PROJECT, URL_ENV
from diplonews.labelstudio.server import connect, export_project, find_project, push_tasks, user_emails
from diplonews.labelstudio.tasks import (
    build_tasks,
    read_predictions,
)


def _root(args: argparse.Namespace) -> Path:
    return paths.repo_root(getattr(args, "root", None))


def _server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=f"Label Studio server (default: ${URL_ENV})")
    parser.add_argument("--api-key", help=f"API token (default: ${API_KEY_ENV})")
    parser.add_argument("--project", default=DEFAULT_PROJECT, help=f"project title (default: {DEFAULT_PROJECT})")
    parser.add_argument("--project-id", type=int, help="project id (overrides --project)")


def _raw_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw-dir", type=Path, help="raw articles (default: dataset/raw)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `diplonews labelstudio` sub-commands."""
    sub = parser.add_subparsers(dest="ls_command", required=True, metavar="{config,push,pull,agreement,adjudicate}")

    config = sub.add_parser("config", help="regenerate annotations/label_studio.xml from labels.py")
    config.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is stale")
    config.add_argument("--output", type=Path, help="where to write (default: annotations/label_studio.xml)")

    push = sub.add_parser("push", help="create or update the project: one task per article, with pre-annotations")
    _server_arguments(push)
    _raw_argument(push)
    push.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="annotation folder giving the article metadata, the catalog and the pre-annotations (default: annotations/gold)",
    )
    push.add_argument(
        "--predictions",
        action="append",
        default=[],
        metavar="LAYER=FILE",
        help="pre-annotate LAYER (entities, temporal, discrepancies) from a model's JSONL rows instead of the folder's",
    )
    push.add_argument(
        "--preannotate",
        choices=("all", "metadata", "none"),
        default="all",
        help="all: spans and article fields; metadata: article fields only (blind annotation); none",
    )
    push.add_argument(
        "--as",
        dest="as_",
        choices=("predictions", "annotations"),
        default="predictions",
        help="import pre-annotations as predictions (annotators start from them) or as your own annotations",
    )
    push.add_argument("--model-version", help="prediction model version (default: the folder's name)")
    push.add_argument("--overlap", type=int, default=2, help="annotators per task (default: 2, for agreement)")

    pull = sub.add_parser("pull", help="export annotations into one annotation folder per annotator")
    _server_arguments(pull)
    _raw_argument(pull)
    pull.add_argument("--out", type=Path, help="where the folders go (default: annotations/labelstudio)")
    pull.add_argument("--annotator", action="append", metavar="EMAIL", help="pull only this annotator (repeatable)")

    for name, text in (
        ("agreement", "per-layer agreement between pulled folders"),
        ("adjudicate", "write the agreed items and every disagreement for a human to resolve"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument(
            "folders", nargs="+", type=Path, help="two or more annotation folders (annotations/labelstudio/*)"
        )
        _raw_argument(command)
        if name == "agreement":
            command.add_argument("--json", type=Path, help="also write the figures as JSON")
        else:
            command.add_argument("--out", type=Path, help="adjudication folder (default: annotations/adjudication)")


def cmd_config(args: argparse.Namespace) -> int:
    path = args.output or cfg.config_path(
        paths.checkout_root(getattr(args, "root", None), "diplonews labelstudio config")
    )
    text = cfg.label_config()
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if args.check:
        if current != text:
            print(
                f"{display_path(path)}: stale: differs from labels.py; run `diplonews labelstudio config`",
                file=sys.stderr,
            )
            return EXIT_FAILED
        print(f"{display_path(path)} is up to date")
        return EXIT_OK
    if current == text:
        print(f"{display_path(path)} unchanged")
    else:
        atomic_write_text(path, text)
        print(f"wrote {display_path(path)}")
    return EXIT_OK


def _parse_predictions(specs: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for spec in specs:
        layer, _, file = spec.partition("=")
        if layer not in LAYER_FILES or not file:
            raise DiplonewsError(
                Problem(
                    "usage",
                    f"bad --predictions {spec!r}",
                    field="--predictions",
                    hint=f"write LAYER=FILE with LAYER one of {', '.join(LAYER_FILES)}",
                )
            )
        out[layer] = Path(file)
    return out


def cmd_push(args: argparse.Namespace) -> int:
    root = _root(args)
    raw = read_raw_articles(args.raw_dir or root / "dataset" / paths.RAW_DIR)
    source_dir = args.source or root / paths.GOLD_DIR
    source = load_annotations(source_dir, raw)
    layers = dict(source.tables)
    predictions = _parse_predictions(args.predictions)
    for layer, path in predictions.items():
        layers[layer] = read_predictions(layer, path, raw)
    tasks = build_tasks(source, raw, layers=layers, preannotate=args.preannotate)
    model_version = args.model_version or ("predictions" if predictions else source_dir.resolve().name)
    server = connect(args.url, args.api_key)
    report = push_tasks(
        server,
        tasks,
        title=args.project,
        project_id=args.project_id,
        as_annotations=args.as_ == "annotations",
        model_version=model_version,
        overlap=args.overlap,
    )
    verb = "created" if report.created_project else "updated"
    print(
        f"project {report.project_id} ({args.project if args.project_id is None else 'id ' + str(args.project_id)}) {verb}: "
        f"{report.created_tasks} task(s) imported, {report.updated_tasks} updated, "
        f"pre-annotations as {args.as_} ({args.preannotate}, model version {model_version!r})"
    )
    for note in report.kept:
        print(f"  kept: {note}")
    print(f"annotate at {server.url}/projects/{report.project_id}")
    return EXIT_OK


def _shown(text: object) -> str:
    """A value from a server, safe to print: control characters (terminal escapes) shown as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def cmd_pull(args: argparse.Namespace) -> int:
    root = _root(args)
    out_dir = args.out or root / "annotations" / "labelstudio"
    check_out_dir(out_dir)  # a file or an unwritable place is refused before the server is asked
    raw = read_raw_articles(args.raw_dir or root / "dataset" / paths.RAW_DIR)
    server = connect(args.url, args.api_key)
    project = find_project(server, args.project, args.project_id)
    if project is None:
        raise DiplonewsError(
            Problem(
                "unknown-project",
                f"no project titled {args.project!r}",
                where=server.url,
                field="--project",
                hint="push first, or pass --project-id",
            )
        )
    export = export_project(server, project.id)
    pulled = pull(export, user_emails(server), raw, out_dir, only=args.annotator, project=project.id)
    if not pulled:
        who = f" by {', '.join(args.annotator)}" if args.annotator else ""
        print(f"project {project.id}: no submitted annotations{_shown(who)}; nothing written")
        return EXIT_OK
    for folder, path in pulled:
        counts = ", ".join(f"{len(folder.files[LAYER_FILES[name]])} {name}" for name in LAYER_FILES)
        done = folder.provenance["annotated_articles"]
        print(f"{_shown(folder.annotator)}: {len(done)} article(s), {counts} -> {_shown(display_path(path))}")
        if folder.provenance["not_annotated"]:
            print(f"  not annotated yet: {', '.join(folder.provenance['not_annotated'])}")
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    raw_dir = args.raw_dir or _root(args) / "dataset" / paths.RAW_DIR
    sets, compared = comparable_sets(args.folders, raw_dir)
    result = agreement.agreement(sets)
    result["articles_compared"] = compared
    print(f"articles compared: {', '.join(compared)}")
    print(agreement.render_table(result))
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=2, sort_keys=True) + "\n")
        print(f"wrote {display_path(args.json)}")
    return EXIT_OK


def cmd_adjudicate(args: argparse.Namespace) -> int:
    raw_dir = args.raw_dir or _root(args) / "dataset" / paths.RAW_DIR
    sets = load_folders(args.folders, raw_dir)
    out_dir = args.out or _root(args) / "annotations" / "adjudication"
    kept, open_items = agreement.write_adjudication(sets, out_dir)
    print(f"{kept} agreed item(s) and {open_items} disagreement(s) to resolve -> {display_path(out_dir)}")
    print(f"  resolve every line of {display_path(out_dir / 'disagreements.jsonl')}, then merge into annotations/gold")
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    commands = {
        "config": cmd_config,
        "push": cmd_push,
        "pull": cmd_pull,
        "agreement": cmd_agreement,
        "adjudicate": cmd_adjudicate,
    }
    return commands[args.ls_command](args)
