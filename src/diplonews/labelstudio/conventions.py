"""Names and patterns every part of the Label Studio workflow agrees on."""

from __future__ import annotations

import re

from diplonews.contract import schema

URL_ENV = "LABEL_STUDIO_URL"
API_KEY_ENV = "LABEL_STUDIO_API_KEY"
DEFAULT_PROJECT = "diplonews"
PROVENANCE_FILE = "labelstudio.json"
META_KEY = "diplonews"  # task.meta[META_KEY]: what the folder format has and the task data does not show
REGION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")  # no '#': the editor appends '#<annotation>' to region ids
ENTITY_ID_PATTERN = re.compile(schema.ENTITIES.column("entity_id").pattern or r"^[a-z0-9_]+$")
DCT_PATTERN = re.compile(schema.DATE_PATTERN)


def where(path: object, line: int | None = None) -> str:
    """'file:line' for messages (the Label Studio modules locate problems by task and region too)."""
    from diplonews.contract.errors import display_path

    text = display_path(str(path))
    return f"{text}:{line}" if line is not None else text
