"""Stand-in for a model: writes predictions/entities.jsonl and predictions/temporal.jsonl.

It replays the dataset's gold annotations so that the example workflow is green; replace
`predict()` with your model's inference (one JSON object per predicted span).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from datasets import load_dataset

import diplonews


def predict(config: str) -> list[dict]:
    rows = load_dataset(diplonews.DATASET_PATH, config, split="test")
    label = rows.features["label" if config == "entities" else "type"]
    out = []
    for row in rows:
        record = {key: row[key] for key in ("article_id", "start", "end", "text")}
        if config == "entities":
            record["label"] = label.int2str(row["label"])
        else:
            record["type"] = label.int2str(row["type"])
            record["value"] = row["value"]
        out.append(record)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("predictions"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for config in ("entities", "temporal"):
        lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in predict(config))
        (args.out / f"{config}.jsonl").write_text(lines, encoding="utf-8")
        print(f"wrote {args.out / f'{config}.jsonl'}")


if __name__ == "__main__":
    main()
