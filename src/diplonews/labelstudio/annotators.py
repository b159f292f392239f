"""Who made an annotation: one user is one folder, however the export names them.

Label Studio exports `completed_by` as a user id (1), and tools around it write "1",
{"id": 1}, {"id": "1", "email": ...}. All of these are the same user; the email comes
from the server's user list, else from any annotation that gives it with that id.
"""

from __future__ import annotations

import re
from typing import Any

from diplonews.contract.errors import Problem

UserKey = tuple[str, Any]  # ("id", 1) or ("email", "a@b.org")


def annotator_slug(email: str) -> str:
    """A folder name from an email: lowercase, every run of other characters becomes '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")
    return slug or "annotator"


def _user_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdecimal() and value.strip().isascii():
        return int(value.strip())
    return None


def user_key(completed_by: Any, at: str, problems: list[Problem]) -> UserKey | None:
    """The user an annotation's `completed_by` names (an id when it has one), or None with a problem."""
    email = None
    value = completed_by
    if isinstance(completed_by, dict):
        value = completed_by.get("id")
        email = completed_by.get("email")
        if email is not None and (not isinstance(email, str) or not email.strip()):
            problems.append(
                Problem("type-error", "a user's email must be a string", where=at, field="completed_by.email")
            )
            return None
        if value is None and email:
            return ("email", email.strip())
    user_id = _user_id(value)
    if user_id is None:
        problems.append(
            Problem(
                "type-error" if value is not None else "missing-field",
                'completed_by must name a user id (1, "1", {"id": 1})',
                where=at,
                field="completed_by",
                value=completed_by,
            )
        )
        return None
    return ("id", user_id)


def known_emails(completed_by: list[Any]) -> dict[int, str]:
    """User id -> email, from every `completed_by` object that gives both."""
    found: dict[int, str] = {}
    for value in completed_by:
        if isinstance(value, dict) and isinstance(value.get("email"), str) and value["email"].strip():
            user_id = _user_id(value.get("id"))
            if user_id is not None:
                found.setdefault(user_id, value["email"].strip())
    return found


def user_email(key: UserKey, users: dict[int, str], exported: dict[int, str]) -> str:
    """The name of the user's folder: the server's email, else the export's, else user-<id>."""
    kind, value = key
    if kind == "email":
        return str(value)
    return users.get(value) or exported.get(value) or f"user-{value}"
