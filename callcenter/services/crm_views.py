"""JSON-ready renderings of CRM values, shared by the screen-pop, the API and the CLI."""

from __future__ import annotations

from callcenter.domain.calls import Call
from callcenter.domain.contacts import Contact, Organisation
from callcenter.domain.phone import format_phone
from callcenter.domain.questions import Question, QuestionEvent
from callcenter.domain.topics import Topic
from callcenter.services.crm_ports import JsonDict, iso


def organisation_dict(org: Organisation) -> JsonDict:
    switchboard = _phone(org.switchboard) if org.switchboard else None
    return {"id": org.id, "name": org.name, "switchboard": switchboard}


def contact_dict(contact: Contact, organisation: Organisation | None = None) -> JsonDict:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "language": contact.language.value,
        "organisation": organisation_dict(organisation) if organisation else None,
        "phones": [_phone(p) for p in contact.phones],
    }


def question_dict(q: Question) -> JsonDict:
    return {
        "registration_number": q.registration_number,
        "contact_id": q.contact_id,
        "type": q.type.value,
        "channel": q.channel.value,
        "reply_channel": q.reply_channel.value,
        "topic": q.topic_code,
        "subject": q.subject,
        "received_at": iso(q.received_at),
        "status": q.status.value,
        "owner_user_id": q.owner_user_id,
        "track": q.track.value,
        "due_at": iso(q.due_at),
        "answered_by_tier": q.answered_by_tier.value if q.answered_by_tier else None,
        "answered_at": iso(q.answered_at),
        "closed_at": iso(q.closed_at),
        "faq_needed": q.faq_needed,
    }


def event_dict(event: QuestionEvent) -> JsonDict:
    return {"kind": event.kind.value, "at": iso(event.at), "by": event.by, "data": dict(event.data)}


def call_dict(call: Call) -> JsonDict:
    return {
        "call_id": call.call_id,
        "direction": call.direction.value,
        "from_number": call.from_number,
        "to_number": call.to_number,
        "started_at": iso(call.started_at),
        "answered_at": iso(call.answered_at),
        "ended_at": iso(call.ended_at),
        "agent_user_id": call.agent_user_id,
        "outcome": call.outcome,
        "question": call.question_registration_number,
    }


def topic_dict(topic: Topic) -> JsonDict:
    return {"code": topic.code, "names": dict(topic.names), "active": topic.active,
            "faq_reference": topic.faq_reference}


def _phone(e164: str) -> JsonDict:
    return {"number": e164, "display": format_phone(e164)}
