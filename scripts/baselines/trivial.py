"""Trivial baselines: regular expressions and word lists, written in minutes, no model.

They exist to set the floor: a default quality gate that one of these passes measures
nothing. They read only the raw text and the dct, never the gold; the word lists are
generic (countries, capitals, demonyms, web boilerplate), not the names of this dataset.
"""

from __future__ import annotations

import re

from common import Article, Row, delete_ranges, lines, regex_spans, span

# ---- entities ---------------------------------------------------------------------------

# A capitalised word: an initialism (U.S.), or a capital followed by letters (Blinken, BEIJING, McCain).
_CAP_WORD = r"(?:[A-Z]\.){2,}|[A-Z][A-Za-z]*"
CAPITALISED_RUN = re.compile(rf"\b(?:{_CAP_WORD})(?: (?:{_CAP_WORD}))*")
_WORD = re.compile(_CAP_WORD)


def caps_person(article: Article) -> list[Row]:
    """Every maximal run of capitalised words (joined by single spaces) is a PERSON."""
    return regex_spans(article, CAPITALISED_RUN, "label", "PERSON")


# The tiny gazetteer of a first attempt: the places and peoples any story about US-China talks names.
TINY_GAZETTEER: dict[str, str] = {
    **dict.fromkeys("China Beijing US U.S. America Washington Russia Ukraine Taiwan".split(), "GPE"),
    "United States": "GPE",
    **dict.fromkeys("Chinese American Russian".split(), "NORP"),
    "State Department": "ORG",
}


def caps_tiny_gazetteer(article: Article) -> list[Row]:
    """Every run of capitalised words (a leading "The" dropped) is looked up in a dozen names; the rest is a PERSON."""
    rows = []
    for run in CAPITALISED_RUN.finditer(article.text):
        start, text = run.start(), run.group()
        if text.startswith("The "):
            start, text = start + 4, text[4:]
        if text != "The":
            rows.append(span(article, start, start + len(text), "label", TINY_GAZETTEER.get(text, "PERSON")))
    return rows


# Capitalised words that start sentences or are titles: never part of a name, they split a run.
STOP_WORDS = frozenset(
    """A An The In On At By For From To Of And Or But As If When While After Before During Since Until
    It Its He His She Her They Their Them We Our Us I You Your This That These Those There Here What Why How
    Who Which Where Also Still Yet So Not No Yes All Some Many Most More Both Each Every Other Such Only Even
    Mr Mrs Ms Dr Lord Sir President Vice Prime Minister Secretary Premier Senator Ambassador Chairman
    General Foreign Spokesman Spokeswoman Official Officials""".split()
)
GAZETTEER: dict[str, str] = {
    **dict.fromkeys(
        """China Beijing Shanghai Taiwan Taipei US U.S. USA America Washington Russia Moscow Ukraine Kyiv Kiev
        Japan Tokyo Korea Seoul India Delhi Pakistan Israel Gaza Iran Tehran Iraq Syria Turkey Ankara Egypt
        Cairo Qatar Britain UK U.K. London France Paris Germany Berlin Italy Rome Spain Madrid Canada
        Mexico Brazil Australia Indonesia Jakarta Philippines Manila Vietnam Hanoi Singapore Thailand""".split(),
        "GPE",
    ),
    "United States": "GPE", "United Kingdom": "GPE", "North Korea": "GPE", "South Korea": "GPE",
    "Hong Kong": "GPE", "New York": "GPE", "San Francisco": "GPE", "New Delhi": "GPE", "Saudi Arabia": "GPE",
    **dict.fromkeys("Asia Europe Africa Pacific Atlantic Arctic".split(), "LOC"),
    "Middle East": "LOC", "East Asia": "LOC", "Southeast Asia": "LOC", "South China Sea": "LOC",
    "East China Sea": "LOC", "Taiwan Strait": "LOC",
    **dict.fromkeys(
        """Chinese American Americans Russian Russians Ukrainian Japanese Korean Indian Israeli Iranian Syrian
        Turkish British French German European Europeans Western Asian Taiwanese Palestinian Arab Muslim
        Christian Democrat Democrats Republican Republicans Communist""".split(),
        "NORP",
    ),
    **dict.fromkeys("NATO UN EU WTO IMF Reuters AP AFP BBC CNN Xinhua Pentagon Congress Kremlin".split(), "ORG"),
    "State Department": "ORG", "White House": "ORG", "United Nations": "ORG", "European Union": "ORG",
    "Communist Party": "ORG", "World Bank": "ORG",
}  # fmt: skip
_LONGEST = max(len(name.split()) for name in GAZETTEER)
ORG_WORDS = frozenset(
    """Department Ministry University College School Council Agency Party Bank Times News Post Union Group
    Committee Organization Organisation Institute Association Company Corporation Inc Ltd Fund Foundation""".split()
)


def caps_gazetteer(article: Article) -> list[Row]:
    """Capitalised runs, split at stop words and titles, typed by a small gazetteer; the rest is a PERSON
    (or an ORG when it holds an organisation word)."""
    rows: list[Row] = []
    for run in CAPITALISED_RUN.finditer(article.text):
        words = [(m.start() + run.start(), m.end() + run.start(), m.group()) for m in _WORD.finditer(run.group())]
        chunk: list[tuple[int, int, str]] = []

        def flush(chunk: list[tuple[int, int, str]]) -> None:
            if chunk:
                label = "ORG" if any(word in ORG_WORDS for _, _, word in chunk) else "PERSON"
                rows.append(span(article, chunk[0][0], chunk[-1][1], "label", label))

        i = 0
        while i < len(words):
            if words[i][2] in STOP_WORDS:
                flush(chunk)
                chunk, i = [], i + 1
                continue
            for size in range(min(_LONGEST, len(words) - i), 0, -1):  # the longest gazetteer entry starting here
                name = " ".join(word for _, _, word in words[i : i + size])
                if name in GAZETTEER:
                    flush(chunk)
                    rows.append(span(article, words[i][0], words[i + size - 1][1], "label", GAZETTEER[name]))
                    chunk, i = [], i + size
                    break
            else:
                chunk.append(words[i])
                i += 1
        flush(chunk)
    return rows


# ---- temporal ---------------------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_NUMBER = {name: i for i, full in enumerate(MONTHS, 1) for name in (full, full[:3], "Sept" if i == 9 else full)}
YEAR = re.compile(r"\b\d{4}\b")
WEEKDAY = re.compile(rf"\b(?:{'|'.join(WEEKDAYS)})\b")
MONTH = re.compile(rf"\b(?:{'|'.join(sorted(_MONTH_NUMBER, key=len, reverse=True))})\b")


def regex_dates(article: Article) -> list[Row]:
    """Every four-digit number, weekday and month name is a DATE with a naive value: the number as a year,
    a weekday as the dct itself, a month as that month of the dct's year."""
    rows = [span(article, m.start(), m.end(), "type", "DATE", value=m.group()) for m in YEAR.finditer(article.text)]
    dct = article.dct
    for m in WEEKDAY.finditer(article.text):
        rows.append(span(article, m.start(), m.end(), "type", "DATE", value=dct.isoformat() if dct else None))
    for m in MONTH.finditer(article.text):
        value = f"{dct.year:04d}-{_MONTH_NUMBER[m.group()]:02d}" if dct else None
        rows.append(span(article, m.start(), m.end(), "type", "DATE", value=value))
    return rows


# ---- discrepancies and cleaning ---------------------------------------------------------

# Phrases of web-page furniture (the usual list), and a line that is only a clock reading (a video's length).
BOILERPLATE = re.compile(
    r"https?://|www\.|©|\bcopyright\b|all rights reserved|read more|advertisement|skip to (?:main )?content"
    r"|related (?:posts|articles|stories|news)|see also|leave a (?:reply|comment)|your email address"
    r"|required fields are marked|sign up|subscribe|newsletter|share this|follow us|click here|cookie"
    r"|privacy policy|terms of (?:use|service)|^\s*\d{1,2}:\d{2}(?::\d{2})?\s*$",
    re.IGNORECASE,
)
MAX_BOILERPLATE_LINE = 200  # code points: longer lines are prose that happens to contain a phrase


def boilerplate_lines_of(article: Article) -> list[tuple[int, int]]:
    """The (stripped) short lines that contain a boilerplate phrase."""
    return [
        line.stripped
        for line in lines(article.text)
        if line.text.strip() and len(line.text) <= MAX_BOILERPLATE_LINE and BOILERPLATE.search(line.text)
    ]


# UTF-8 read as Latin-1/cp1252 (Â, Ã©, â€™, a byte-order mark) and the replacement character.
MOJIBAKE = re.compile(
    "(?:Ã[\u0080-\u00bf\u0152-\u0178\u2018-\u203a]|Â|â€[\u0080-\u00bf\u0152-\u0178\u2013-\u2122]?|ï»¿|\ufffd)+"
)
GLUED_WORDS = re.compile(r"\b[a-z]{2,}[A-Z][a-z]+\b")  # two words run together: "rightsChina"
REPEATED_PUNCTUATION = re.compile(r"[.,;:](?:[ \t]+[.,;:])+")  # ". ."


def boilerplate_lines(article: Article) -> list[Row]:
    """Every short line with a boilerplate phrase (URL, ©, 'Read more', 'See also', 'Leave a Reply', ...)."""
    return [span(article, start, end, "type", "boilerplate") for start, end in boilerplate_lines_of(article)]


def artifact_regex(article: Article) -> list[Row]:
    """Mojibake runs, glued words and repeated punctuation are extraction artifacts."""
    return [
        row
        for pattern in (MOJIBAKE, GLUED_WORDS, REPEATED_PUNCTUATION)
        for row in regex_spans(article, pattern, "type", "extraction_artifact")
    ]


def boilerplate_and_artifacts(article: Article) -> list[Row]:
    return boilerplate_lines(article) + artifact_regex(article)


def identity(article: Article) -> list[Row]:
    """The text unchanged."""
    return [{"article_id": article.id, "text": article.text}]


def _drop_boilerplate_lines(article: Article) -> list[tuple[int, int]]:
    """Whole lines (with their newline) that look like boilerplate."""
    wanted = set(boilerplate_lines_of(article))
    return [(line.start, line.end + 1) for line in lines(article.text) if line.stripped in wanted]


def drop_boilerplate_lines(article: Article) -> list[Row]:
    """The text without the lines that look like boilerplate."""
    return [{"article_id": article.id, "text": delete_ranges(article.text, _drop_boilerplate_lines(article))}]


def drop_boilerplate_and_artifacts(article: Article) -> list[Row]:
    """The text without boilerplate lines, mojibake runs and repeated punctuation (glued words stay: they hold content)."""
    ranges = _drop_boilerplate_lines(article)
    ranges += [m.span() for pattern in (MOJIBAKE, REPEATED_PUNCTUATION) for m in pattern.finditer(article.text)]
    return [{"article_id": article.id, "text": delete_ranges(article.text, ranges)}]
