"""The one place the dataset and package version lives (semantic versioning).

`scripts/release.py --bump` rewrites this line; the card, MANIFEST.json and the
DatasetInfo all read it from here.
"""

__version__ = "0.1.0"
