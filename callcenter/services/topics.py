"""Topics use cases: the editable list of subjects, each in the four languages, with its FAQ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from callcenter.domain.errors import Conflict
from callcenter.domain.topics import LANGUAGES, NoSuchTopic, Topic, clean_topic_code
from callcenter.domain.validation import Problems, optional_text, required_text
from callcenter.services.crm_ports import CrmUowFactory


@dataclass(frozen=True)
class TopicIn:
    code: str
    names: Mapping[str, str]  # fr, nl, de and en
    active: bool = True
    faq_reference: str | None = None  # URL or id of the FAQ entry; None while there is none


@dataclass(frozen=True)
class _CleanTopic:
    code: str
    names: dict[str, str]
    active: bool
    faq_reference: str | None


class TopicService:
    def __init__(self, uow: CrmUowFactory) -> None:
        self._uow = uow

    def list(self, *, active_only: bool = False) -> list[Topic]:
        """Return the topics by code (only the active ones when asked)."""
        with self._uow() as uow:
            return uow.topics.all(active_only=active_only)

    def create(self, cmd: TopicIn) -> Topic:
        """Add a topic; raise Conflict if its code is taken."""
        clean = _clean(cmd)
        with self._uow() as uow:
            if uow.topics.by_code(clean.code) is not None:
                raise Conflict(f"The topic {clean.code!r} already exists.", {"code": "taken"})
            topic = uow.topics.add(clean.code, clean.names, clean.active, clean.faq_reference)
            uow.commit()
        return topic

    def update(self, code: str, cmd: TopicIn) -> Topic:
        """Change a topic's names, activity and FAQ (its code stays)."""
        clean = _clean(replace(cmd, code=code))
        with self._uow() as uow:
            current = uow.topics.by_code(clean.code)
            if current is None:
                raise NoSuchTopic(f"There is no topic {clean.code!r}.")
            topic = replace(current, names=clean.names, active=clean.active,
                            faq_reference=clean.faq_reference)
            uow.topics.save(topic)
            uow.commit()
        return topic


def _clean(cmd: TopicIn) -> _CleanTopic:
    problems = Problems()
    code = problems.check(clean_topic_code, cmd.code)
    names: dict[str, str] = {}
    if not isinstance(cmd.names, Mapping):
        problems.add("names", "an object with fr, nl, de and en")
    else:
        for lang in LANGUAGES:
            name = problems.check(required_text, cmd.names.get(lang), f"names.{lang}", max_length=200)
            names[lang] = name or ""
    faq = problems.check(optional_text, cmd.faq_reference, "faq_reference", max_length=500)
    if not isinstance(cmd.active, bool):
        problems.add("active", "true or false")
    problems.raise_if_any("topic")
    assert code is not None
    return _CleanTopic(code, names, cmd.active, faq)
