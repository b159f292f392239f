"""The token view of the dataset (`tokens` config): sentences, tokens and IOB2 tags.

Tokenisation is deterministic, regex-based, and needs no model:

1. **Tokens** are the matches of `TOKEN_PATTERN` over the raw text: a number with inner
   `.`/`,`/`:` groups (`1,000`, `3.5`, `10:30`), a run of word characters (`\\w`, Unicode), or
   any other single non-space code point (punctuation, curly quotes, `$`). Whitespace (NBSP
   included) separates tokens and is never part of one.
2. **Gold boundaries split tokens:** every start and end offset of a gold entity or timex
   falls between two tokens; a token that straddles one is split there (`forced_splits`
   lists them, the card and DATASHEET.md count them).
3. **Sentences** end at a line break, or after `.`, `!` or `?` (and any closing quotes or
   brackets) followed by whitespace and a token that starts with an upper-case letter, a
   digit or an opening quote, unless the `.` ends an abbreviation (`ABBREVIATIONS`, or a
   single upper-case letter such as the initials of `U.S.`). A sentence never ends inside a
   gold entity or timex.
4. **Tags** are IOB2: the first token of a span is `B-<label>`, the others `I-<label>`,
   every other token `O` (`diplonews.contract.labels.NER_TAGS`, `TIMEX_TAGS`).

`starts` are Python code-point offsets into the article, so token `i` is
`text[starts[i]:starts[i] + len(tokens[i])]` and a span decoded from the tags is
`text[starts[first]:starts[last] + len(tokens[last])]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TOKEN_PATTERN = re.compile(r"\d+(?:[.,:]\d+)*|\w+|[^\w\s]")
SENTENCE_END = frozenset(".!?")
CLOSERS = frozenset("\"'”’)]»")
OPENERS = frozenset("\"'“‘([«")
ABBREVIATIONS = frozenset(
    "Mr Mrs Ms Dr Prof St Jr Sr Gen Gov Sen Rep Lt Col Capt Sgt Adm Amb Pres No vs etc "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()
)


@dataclass(frozen=True)
class Span:
    """A gold span to align: offsets (code points, end exclusive) and its label."""

    start: int
    end: int
    label: str


@dataclass
class Sentence:
    article_id: str
    index: int  # 0-based position in the article
    tokens: list[str]
    starts: list[int]

    @property
    def sentence_id(self) -> str:
        return sentence_id(self.article_id, self.index)

    @property
    def ends(self) -> list[int]:
        return [start + len(token) for start, token in zip(self.starts, self.tokens, strict=True)]


@dataclass
class Alignment:
    """What tokenising one article took: the forced splits and the sentence breaks dropped."""

    forced_splits: list[tuple[str, int]] = field(default_factory=list)  # (article_id, offset)
    kept_together: list[tuple[str, int]] = field(default_factory=list)  # (article_id, offset of a dropped break)


def sentence_id(article_id: str, index: int) -> str:
    """`000-s001` for the first sentence of article `000_...` (the article's number, 1-based sentence)."""
    return f"{article_id.split('_', 1)[0]}-s{index + 1:03d}"


def tokenize(text: str, boundaries: Iterable[int] = ()) -> list[tuple[int, int]]:
    """(start, end) of every token of `text`, split at each offset of `boundaries`."""
    cuts = sorted(set(boundaries))
    out: list[tuple[int, int]] = []
    for match in TOKEN_PATTERN.finditer(text):
        start, end = match.span()
        inner = [cut for cut in cuts if start < cut < end]
        for cut in inner:
            out.append((start, cut))
            start = cut
        out.append((start, end))
    return out


def _is_break(text: str, tokens: Sequence[tuple[int, int]], i: int) -> bool:
    """Does a sentence end between token i-1 and token i?"""
    previous_end, start = tokens[i - 1][1], tokens[i][0]
    gap = text[previous_end:start]
    if "\n" in gap:
        return True
    if not gap or not gap.isspace():
        return False
    j = i - 1
    while j >= 0 and text[tokens[j][0] : tokens[j][1]] in CLOSERS:
        j -= 1
    if j < 0 or text[tokens[j][0] : tokens[j][1]] not in SENTENCE_END:
        return False
    if j + 1 < i and any(tokens[k][0] != tokens[k - 1][1] for k in range(j + 1, i)):
        return False  # a closing quote separated from the full stop by a space: not a closer
    if text[tokens[j][0] : tokens[j][1]] == "." and j > 0 and tokens[j - 1][1] == tokens[j][0]:
        word = text[tokens[j - 1][0] : tokens[j - 1][1]]
        if word in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            return False
    following = text[start]
    return following.isupper() or following.isdigit() or following in OPENERS


def sentences(
    article_id: str, text: str, spans: Iterable[Span] = (), alignment: Alignment | None = None
) -> list[Sentence]:
    """The article's sentences, tokenised; gold spans split tokens and keep their sentence whole."""
    spans = list(spans)
    boundaries = {offset for span in spans for offset in (span.start, span.end)}
    plain = TOKEN_PATTERN.finditer(text)
    tokens = tokenize(text, boundaries)
    if alignment is not None:
        natural = {match.span() for match in plain}
        alignment.forced_splits += sorted(
            (article_id, start) for start, end in tokens if (start, end) not in natural and _inside(start, natural)
        )
    covered = [(span.start, span.end) for span in spans]
    out: list[Sentence] = []
    current: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        if i and _is_break(text, tokens, i):
            if any(start < token[0] < end for start, end in covered):
                if alignment is not None:
                    alignment.kept_together.append((article_id, token[0]))
            else:
                out.append(_sentence(article_id, len(out), text, current))
                current = []
        current.append(token)
    if current:
        out.append(_sentence(article_id, len(out), text, current))
    return out


def _inside(offset: int, natural: set[tuple[int, int]]) -> bool:
    return any(start < offset < end for start, end in natural)


def _sentence(article_id: str, index: int, text: str, tokens: list[tuple[int, int]]) -> Sentence:
    return Sentence(article_id, index, [text[start:end] for start, end in tokens], [start for start, _ in tokens])


def encode(sentence: Sentence, spans: Iterable[Span]) -> list[str]:
    """IOB2 tags of the sentence's tokens for the spans (which fall on token boundaries)."""
    tags = ["O"] * len(sentence.tokens)
    ends = sentence.ends
    for span in spans:
        inside = [
            i
            for i, (start, end) in enumerate(zip(sentence.starts, ends, strict=True))
            if span.start <= start and end <= span.end
        ]
        for position, i in enumerate(inside):
            tags[i] = f"{'B' if position == 0 else 'I'}-{span.label}"
    return tags


def chunks(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(label, first, last) token index of each chunk of an IOB2 sequence, conlleval's lenient reading.

    A chunk starts at `B-X`, or at `I-X` that does not continue a chunk of label X (after `O`
    or another label); it ends before `O`, `B-*` or a tag of another label. seqeval's default
    mode reads tags the same way.
    """
    out: list[tuple[str, int, int]] = []
    label: str | None = None
    first = 0
    for i, tag in enumerate(tags):
        prefix, _, name = tag.partition("-")
        continues = prefix == "I" and name == label
        if label is not None and not continues:
            out.append((label, first, i - 1))
            label = None
        if prefix in ("B", "I") and label is None:
            label, first = name, i
    if label is not None:
        out.append((label, first, len(tags) - 1))
    return out


def decode(sentence: Sentence, tags: Sequence[str]) -> list[Span]:
    """The spans an IOB2 tag sequence over the sentence's tokens stands for (code-point offsets)."""
    ends = sentence.ends
    return [Span(sentence.starts[first], ends[last], label) for label, first, last in chunks(tags)]


def token_rows(
    texts: Mapping[str, str],
    entities: Iterable[Mapping[str, Any]],
    temporal: Iterable[Mapping[str, Any]],
    alignment: Alignment | None = None,
) -> list[dict[str, Any]]:
    """The rows of the `tokens` config from the articles and the gold entity and temporal rows."""
    by_article: dict[str, tuple[list[Span], list[Span]]] = {article_id: ([], []) for article_id in texts}
    for row in entities:
        by_article[row["article_id"]][0].append(Span(row["start"], row["end"], row["label"]))
    for row in temporal:
        by_article[row["article_id"]][1].append(Span(row["start"], row["end"], row["type"]))
    rows = []
    for article_id in sorted(texts):
        mentions, timexes = by_article[article_id]
        for sentence in sentences(article_id, texts[article_id], [*mentions, *timexes], alignment):
            first, last = sentence.starts[0], sentence.ends[-1]
            rows.append(
                {
                    "article_id": article_id,
                    "sentence_id": sentence.sentence_id,
                    "tokens": sentence.tokens,
                    "starts": sentence.starts,
                    "ner_tags": encode(sentence, (s for s in mentions if first <= s.start < last)),
                    "timex_tags": encode(sentence, (s for s in timexes if first <= s.start < last)),
                }
            )
    return rows


def sentence_of_row(row: Mapping[str, Any]) -> Sentence:
    """A `tokens` row back as a Sentence (the index is read from the sentence_id)."""
    index = int(str(row["sentence_id"]).rsplit("-s", 1)[1]) - 1
    return Sentence(row["article_id"], index, list(row["tokens"]), list(row["starts"]))
