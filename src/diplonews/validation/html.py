"""`report.html`: one self-contained page a person can read offline.

Inline CSS, no script, no external URL: it renders the same behind a firewall, in a CI
artifact viewer or from a mail attachment. Every value that came from the input (labels,
texts, file names, messages quoting them) is escaped with `html.escape`, so a prediction
holding `<script>` shows as text.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

from diplonews.contract.errors import MAX_PROBLEMS, Problem
from diplonews.engines.outcome import Outcome
from diplonews.validation.result import ValidationResult, stage_of

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d232a;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem} h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d9dee3;padding-bottom:.25rem}
.meta{color:#55606b;margin:.1rem 0}
.verdict{display:inline-block;font-weight:700;padding:.35rem .8rem;border-radius:.3rem;margin:1rem 0;font-size:1.1rem}
.verdict.pass{background:#e3f4e6;color:#14592a;border:1px solid #7cc48c}
.verdict.fail{background:#fde8e6;color:#8a1c12;border:1px solid #e5857a}
.verdict.unusable{background:#fff3d6;color:#6b4a00;border:1px solid #e0b44c}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #e6e9ec}
th{background:#f4f6f8;font-weight:600}
td.status{font-weight:700;white-space:nowrap} tr.fail td.status{color:#b3261e} tr.pass td.status{color:#1f7a3a}
tr.fail{background:#fff7f6}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;word-break:break-word}
ul.examples{margin:.3rem 0 0;padding-left:1.1rem} ul.examples li{margin:.15rem 0}
.code{display:inline-block;background:#eef1f4;border-radius:.2rem;padding:0 .3rem;font-family:ui-monospace,monospace;font-size:.85em}
.hint{color:#55606b}
""".strip()


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)[:200]


def _problem(problem: Problem) -> str:
    hint = f' <span class="hint">hint: {_e(problem.hint)}</span>' if problem.hint else ""
    field = f" field <code>{_e(problem.field)}</code>:" if problem.field else ""
    return f'<li><span class="mono">{_e(problem.location)}</span> <span class="code">{_e(problem.code)}</span>{field} {_e(problem.message)}{hint}</li>'


def _threshold(outcome: Outcome) -> str:
    low, high = outcome.kwargs.get("min_value"), outcome.kwargs.get("max_value")
    parts = [
        f"&ge; {_e(_number(low))}" if low is not None else "",
        f"&le; {_e(_number(high))}" if high is not None else "",
    ]
    return " ".join(part for part in parts if part)


def _row(outcome: Outcome) -> str:
    status = "PASS" if outcome.success else "FAIL"
    observed = outcome.observed
    if observed is None and outcome.unexpected_count is not None:
        observed = (
            f"{outcome.unexpected_count:,} of {outcome.element_count or 0:,} rows fail"
            if not outcome.success
            else f"{outcome.element_count or 0:,} rows"
        )
    examples = ""
    if outcome.examples:
        shown = "".join(_problem(problem) for problem in outcome.examples[:10])
        more = (outcome.unexpected_count or 0) - min(len(outcome.examples), 10)
        examples = f'<ul class="examples">{shown}{f"<li>… and {more:,} more</li>" if more > 0 else ""}</ul>'
    if outcome.error:
        examples += (
            f'<div class="hint">could not run: {_e(outcome.error.splitlines()[0] if outcome.error else "")}</div>'
        )
    return (
        f'<tr class="{status.lower()}"><td>{_e(stage_of(outcome.suite))}</td><td><code>{_e(outcome.check)}</code></td>'
        f'<td class="status">{status}</td><td class="mono">{_e(_number(observed))}</td><td>{_threshold(outcome)}</td>'
        f"<td>{_e(outcome.why)}{examples}</td></tr>"
    )


def _metrics_table(metrics: dict[str, Any], table_id: str) -> str:
    rows = "".join(
        f"<tr><td><code>{_e(name)}</code></td><td class='mono'>{_e(_number(value))}</td></tr>"
        for name, value in metrics.items()
    )
    return f"<table id='{table_id}'><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>"


def render(result: ValidationResult) -> str:
    """The whole page, as a string."""
    verdict = "unusable" if not result.usable else "pass" if result.success else "fail"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>diplonews validate {_e(result.target)}: {_e(verdict.upper())}</title><style>{CSS}</style></head><body>",
        f"<h1>diplonews validate {_e(result.target)}</h1>",
        f'<p class="meta">input: <span class="mono">{_e(result.source)}</span>'
        + (f" ({result.n_rows:,} rows)" if result.n_rows is not None else "")
        + f'</p><p class="meta">dataset: <span class="mono">{_e(result.dataset)}</span></p>'
        + "".join(f'<p class="meta">note: {_e(note)}</p>' for note in result.notes),
        f'<div class="verdict {verdict}" id="verdict">{_e(result.summary())}</div>',
    ]
    if result.problems:
        total = max(result.problems_total, len(result.problems))
        parts.append(
            f"<h2>Problems in the input ({total:,})</h2><ul>{''.join(_problem(p) for p in result.problems[:MAX_PROBLEMS])}</ul>"
        )
        if total > MAX_PROBLEMS:
            parts.append(f"<p>… and {total - MAX_PROBLEMS:,} more (the first {MAX_PROBLEMS} are shown)</p>")
    if result.outcomes:
        failed = sum(1 for outcome in result.outcomes if not outcome.success)
        parts.append(f"<h2>Expectations ({failed} failed of {len(result.outcomes)})</h2>")
        parts.append(
            "<table id='expectations'><thead><tr><th>stage</th><th>check</th><th>result</th><th>observed</th><th>threshold</th><th>why (and failing rows)</th></tr></thead><tbody>"
        )
        ordered = sorted(result.outcomes, key=lambda outcome: outcome.success)  # failures first
        parts += [_row(outcome) for outcome in ordered]
        parts.append("</tbody></table>")
    if result.metrics and result.target != "dataset":
        # The headline figures first (micro averages, counts, task figures); per-label and macro
        # rows folded away in a <details>, which needs no script.
        headline = {
            k: v
            for k, v in result.metrics.items()
            if "_micro_" in k
            or not any(part in k for part in ("_macro_", "_precision", "_recall", "_f1"))
            or k.startswith(("detection_micro", "value_"))
        }
        parts.append(f"<h2>Metrics</h2>{_metrics_table(headline, 'metrics')}")
        rest = {k: v for k, v in result.metrics.items() if k not in headline}
        if rest:
            parts.append(
                f"<details><summary>every metric ({len(result.metrics)}): per label and macro</summary>{_metrics_table(rest, 'metrics-all')}</details>"
            )
    if result.parameters:
        rows = "".join(
            f"<tr><td><code>{_e(name)}</code></td><td class='mono'>{_e(_number(value))}</td></tr>"
            for name, value in sorted(result.parameters.items())
        )
        parts.append(
            f"<h2>Thresholds used</h2><table><thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    parts.append("</body></html>\n")
    return "".join(parts)
