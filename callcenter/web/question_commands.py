"""Turn checked API bodies and query parameters into the question and contact use cases' commands."""

from __future__ import annotations

from typing import Any

from callcenter.domain.edits import KEEP
from callcenter.domain.errors import InvalidInput
from callcenter.services.contact_edits import ContactPatch
from callcenter.services.contacts import ContactIn
from callcenter.services.question_desk import EventIn, NewQuestion, QuestionEdit
from callcenter.services.question_lists import DEFAULT_LIMIT, QuestionQuery
from callcenter.services.questions import RegisterQuestion
from callcenter.web.api_operations import acting, instant


def new_question(data: dict[str, Any]) -> NewQuestion:
    question = RegisterQuestion(
        contact_id=data.get("contact_id", 0), channel=data["channel"], topic=data.get("topic"),
        subject=data.get("subject"), type=data.get("type", "question"), track=data.get("track", "standard"),
        received_at=instant(data.get("received_at"), "received_at"), owner_user_id=data.get("owner_user_id"),
    )
    contact = data.get("contact")
    return NewQuestion(question, new_contact(contact) if contact is not None else None)


def new_contact(data: dict[str, Any]) -> ContactIn:
    phones = ([data["phone"]] if data.get("phone") else []) + list(data.get("phones", []))
    return ContactIn(name=data["name"], phones=phones, email=data.get("email"),
                     language=data.get("language", "fr"), organisation_id=data.get("organisation_id"))


def contact_patch(data: dict[str, Any]) -> ContactPatch:
    return ContactPatch(name=data.get("name", KEEP), phones=data.get("phones", KEEP),
                        email=data.get("email", KEEP), language=data.get("language", KEEP),
                        organisation_id=data.get("organisation_id", KEEP))


def question_edit(data: dict[str, Any]) -> QuestionEdit:
    return QuestionEdit(topic=data.get("topic", KEEP), subject=data.get("subject", KEEP),
                        owner_user_id=data.get("owner_user_id", KEEP), track=data.get("track", KEEP),
                        reason=data.get("reason"))


def event_in(data: dict[str, Any]) -> EventIn:
    return EventIn(kind=data["kind"], text=data.get("text"), call_id=data.get("call_id"),
                   needed=data.get("needed", True))


def question_query(args: dict[str, Any]) -> QuestionQuery:
    owner = args.get("owner")
    return QuestionQuery(statuses=args.get("status", ()), owner_user_id=_owner_id(owner),
                         unowned=owner == "none", contact_id=args.get("contact_id"),
                         overdue=args.get("overdue"), cursor=args.get("cursor"),
                         limit=args.get("limit", DEFAULT_LIMIT))


def _owner_id(owner: str | None) -> int | None:
    if owner is None or owner == "none":
        return None
    if owner != "me":
        return int(owner)
    user = acting()
    if not isinstance(user, int):
        raise InvalidInput("owner=me needs the token of a user, not of an integration.",
                           {"owner": "me needs a user token"})
    return user
