"""What the dataset says about itself, once: description, citation, licence, homepage, curators.

The card's YAML (`dataset_info` of every config, so `datasets` fills `DatasetInfo`), its
Citation section and Croissant's `description` / `citeAs` all read these constants.
"""

from __future__ import annotations

from diplonews.version import __version__

NAME = "diplonews"
HOMEPAGE = "https://huggingface.co/datasets/diplonews/diplonews"  # the intended Hub repository
LICENSE = "cc-by-4.0 (annotations); article texts: third-party copyright, see DATASHEET.md, Distribution"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
CURATORS = "the diplonews maintainers"
CONTACT = "an issue in the project's repository (see DATASHEET.md, Maintenance)"
YEAR = 2026

DESCRIPTION = (
    "Noisy English news articles (machine-translated and back-translated reprints) about US Secretary "
    "of State Antony Blinken's visits to China (June 2023, April 2024), with gold named entities linked across "
    "articles, TIMEX3 temporal expressions, discrepancies (mistranslated names, artifacts, boilerplate, "
    "conflicting facts and quotes) and a token view with IOB2 tags. The annotations were produced by AI "
    "annotators (language-model sessions working from the guidelines alone, in blind independent passes) and "
    "adjudicated by the maintainers. A test set, not training data."
)


def citation() -> str:
    """BibTeX for this version of the dataset."""
    return (
        f"@misc{{diplonews_{YEAR},\n"
        f"  title        = {{diplonews: noisy news on Blinken's visits to China, with gold entities, TIMEX3 "
        f"expressions and discrepancies}},\n"
        f"  author       = {{{{diplonews maintainers}}}},\n"
        f"  year         = {{{YEAR}}},\n"
        f"  version      = {{{__version__}}},\n"
        f"  howpublished = {{Hugging Face dataset and Python package `diplonews`}},\n"
        f"  url          = {{{HOMEPAGE}}},\n"
        f"  note         = {{Annotations by AI annotators, adjudicated by the maintainers; annotations CC BY 4.0, "
        f"article texts remain with their publishers}}\n"
        f"}}"
    )


def info_fields() -> dict[str, str]:
    """The `DatasetInfo` fields the card's `dataset_info` carries for every config."""
    return {"description": DESCRIPTION, "citation": citation(), "homepage": HOMEPAGE, "license": LICENSE}
