"""Topics: the editable list of subjects a question is filed under, each optionally answered by a FAQ."""

from __future__ import annotations

import re
from dataclasses import dataclass

from callcenter.domain.errors import InvalidInput, NotFound

LANGUAGES = ("fr", "nl", "de", "en")  # twin of callcenter.domain.contacts.Language
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


@dataclass(frozen=True)
class Topic:
    id: int
    code: str
    names: dict[str, str]  # language -> name, every language of LANGUAGES
    active: bool
    faq_reference: str | None  # URL or identifier of the FAQ entry that answers it

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["fr"]


class NoSuchTopic(NotFound):
    code = "no-such-topic"


def clean_topic_code(value: object, field: str = "code") -> str:
    """Return a topic code (lower-case letters, digits, '-' and '_'), or raise InvalidInput."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not _CODE.match(text):
        raise InvalidInput(
            f"'{value}' is not a topic code (lower-case letters, digits, '-' or '_', at most 50).",
            {field: "not a topic code"},
        )
    return text
