"""The guidelines inside Label Studio: the project's instructions and each label's hint.

Both come from `annotations/GUIDELINES.md`, the one text annotators follow: the
instructions are the whole file rendered to HTML (Label Studio shows them before the first
task and behind the editor's instructions button), and each label's hint (shown when the
pointer rests on the label) is the one-line definition the guidelines give that label. The
label *sets* come from `labels.py`; a label the guidelines do not define is an error here,
so the two cannot drift apart silently.

The Markdown renderer covers what the guidelines use (headings, paragraphs, bullet lists,
tables, `code`, **bold**); every character of the source is HTML-escaped first.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from diplonews import paths
from diplonews.contract import labels

GUIDELINES_FILE = Path("annotations") / "GUIDELINES.md"
MAX_HINT = 160  # characters: a hint is one line in a tooltip

# How to work in this project's editor: shown above the guidelines.
_TOOL_NOTES = """\
## In Label Studio

* **Label a span:** press the label's key (shown on the label) or click the label, then select
  the words with the mouse. Rest the pointer on a label to see its rule.
* **Fields of a span:** select a region; its fields (entity_id, canonical name, TIMEX3 value,
  discrepancy id ...) appear in the right-hand column, next to the text, under
  "Selected entity mention", "Selected temporal expression" or "Selected discrepancy span".
* **Relations:** select the timex, press the relation button in the region panel (or `Alt` +
  click), click the timex it is resolved against, then choose `anchor`. Spans of one
  discrepancy in one article are linked with `same_discrepancy`.
* **Article fields** (event, title, publisher, dct) are below the text. Press **Submit** when the
  article is done: drafts are not pulled.
* These instructions open again from the **Instructions** button at the top of the page.
"""


def guidelines_path(root: Path | None = None) -> Path:
    return (root or paths.repo_root()) / GUIDELINES_FILE


def read_guidelines(root: Path | None = None) -> str:
    return guidelines_path(root).read_text(encoding="utf-8")


# ---- Markdown subset -> HTML ---------------------------------------------------------------

_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    """Escape, then mark up `code` and **bold** (the escaped text cannot contain tags)."""
    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        if match.group(1) is not None:
            out.append(f"<code>{html.escape(match.group(1))}</code>")
        else:
            out.append(f"<strong>{_inline(match.group(2))}</strong>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _table(rows: list[str]) -> str:
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    body = [row for row in cells[1:] if not all(re.fullmatch(r":?-+:?", cell) for cell in row)]
    head = "".join(f"<th>{_inline(cell)}</th>" for cell in cells[0])
    lines = "".join("<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>" for row in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


def _blocks(markdown: str) -> list[list[str]]:
    """Blank-line separated blocks; a heading is a block of its own."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in markdown.splitlines():
        if not line.strip() or line.startswith("#"):
            if current:
                blocks.append(current)
            current = []
            if line.strip():
                blocks.append([line])
            continue
        current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _list(lines: list[str]) -> str:
    items: list[str] = []
    for line in lines:
        if re.match(r"^\s*[*-] ", line):
            items.append(re.sub(r"^\s*[*-] ", "", line))
        elif items:
            items[-1] += " " + line.strip()
    return "<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>"


def render_markdown(markdown: str) -> str:
    """HTML of the guidelines' Markdown subset; no character of the source reaches it unescaped."""
    parts: list[str] = []
    for block in _blocks(markdown):
        first = block[0]
        heading = re.match(r"^(#{1,6}) (.*)$", first)
        if heading:
            level = min(len(heading.group(1)) + 1, 6)  # the editor's modal has its own title
            parts.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif first.lstrip().startswith("|"):
            parts.append(_table(block))
        elif re.match(r"^\s*[*-] ", first):
            parts.append(_list(block))
        else:
            parts.append(f"<p>{_inline(' '.join(line.strip() for line in block))}</p>")
    return "\n".join(parts) + "\n"


_STYLE = (
    "<style>.diplonews-guidelines table{border-collapse:collapse;margin:8px 0}"
    ".diplonews-guidelines td,.diplonews-guidelines th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}"
    ".diplonews-guidelines code{background:#f2f2f2;padding:0 2px}"
    ".diplonews-guidelines ul{list-style:disc;padding-left:22px;margin:4px 0}"
    ".diplonews-guidelines li{margin:2px 0}.diplonews-guidelines p{margin:6px 0}</style>"
)


def instructions_html(root: Path | None = None) -> str:
    """The project's `expert_instruction`: how to use the editor, then the guidelines."""
    body = render_markdown(_TOOL_NOTES + "\n" + read_guidelines(root))
    return f'{_STYLE}<div class="diplonews-guidelines">\n{body}</div>\n'


# ---- one-line hints per label --------------------------------------------------------------


def _plain(text: str) -> str:
    """Markdown inline text as plain text, on one line, at most MAX_HINT characters."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text).replace("`", "")
    text = " ".join(text.split())
    return text if len(text) <= MAX_HINT else text[: MAX_HINT - 1].rstrip() + "…"


def _table_rows(markdown: str) -> dict[str, list[str]]:
    """First cell -> the other cells, for every table row of the guidelines."""
    rows: dict[str, list[str]] = {}
    for line in markdown.splitlines():
        if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows.setdefault(cells[0], cells[1:])
    return rows


def _first_sentence(paragraph: str) -> str:
    paragraph = " ".join(paragraph.split())
    match = re.match(r"(.+?[.:])(\s|$)", paragraph)
    return (match.group(1) if match else paragraph).rstrip(":.")


def label_hints(markdown: str | None = None) -> dict[str, dict[str, str]]:
    """Layer -> label -> its rule in one line, for every label of `labels.py`.

    Entities and timex types: the "what" / "use for" column of the guidelines' tables (with
    the first example); discrepancy types: the first sentence of their definition paragraph.
    Raises ValueError naming a label the guidelines do not define.
    """
    markdown = read_guidelines() if markdown is None else markdown
    rows = _table_rows(markdown)
    hints: dict[str, dict[str, str]] = {"entities": {}, "temporal": {}, "discrepancies": {}}
    missing: list[str] = []
    for layer, names in (("entities", labels.ENTITY_LABELS), ("temporal", labels.TEMPORAL_TYPES)):
        for name in names:
            cells = rows.get(name)
            if not cells or not cells[0]:
                missing.append(name)
                continue
            found = re.search(r"`([^`]+)`", cells[1]) if len(cells) > 1 else None
            example = found.group(1) if found else ""
            hints[layer][name] = _plain(f"{name}: {cells[0]}" + (f" (e.g. {example})" if example else ""))
    for name in labels.DISCREPANCY_TYPES:
        marker = f"**{name}**:"
        if marker not in markdown:
            missing.append(name)
            continue
        paragraph = markdown.split(marker, 1)[1].split("\n\n", 1)[0]
        hints["discrepancies"][name] = _plain(f"{name}: {_first_sentence(paragraph)}")
    if missing:
        raise ValueError(f"{GUIDELINES_FILE} defines no rule for label(s) {', '.join(missing)}")
    return hints
