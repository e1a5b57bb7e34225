"""JSON Schemas (2020-12) of the REST API: what requests may carry and what responses hold.

They are both the checks made on input (callcenter.web.api_validation) and the ``components/schemas``
of the OpenAPI 3.1 document, so the document cannot promise what the checks refuse. Enumerations and
limits come from the domain and the use cases, never retyped here.
"""

from __future__ import annotations

from callcenter.domain.contacts import MAX_PHONES, Language
from callcenter.domain.questions import Channel, QuestionType, Status, Tier, Track
from callcenter.domain.topics import LANGUAGES
from callcenter.services.delay_notices import REASON_MAX
from callcenter.services.question_changes import NOTE_MAX
from callcenter.services.question_desk import RECORDABLE_KINDS
from callcenter.services.questions import SUBJECT_MAX
from callcenter.web.api_responses import RESPONSE_SCHEMAS
from callcenter.web.schema_parts import ID, INSTANT, Schema, choice, nullable, obj, ref, text
from callcenter.web.webhook_schemas import WEBHOOK_SCHEMAS

_CONTACT_FIELDS: Schema = {
    "name": text(200, "Full name as the person gives it.", min_length=1),
    "phones": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": MAX_PHONES,
               "description": "Phone numbers as typed; stored in E.164 (national numbers read as Belgian)."},
    "email": nullable(text(254, "E-mail address; the answer goes there for e-mail, letter and fax.")),
    "language": choice(Language, "Language the person is answered in."),
    "organisation_id": nullable({**ID, "description": "The organisation (a CPAS/OCMW…) they work for."}),
}

NEW_CONTACT = obj(
    required=("name",),
    description="A contact to create; a phone number or an e-mail address is required.",
    phone={"type": "string", "maxLength": 40, "description": "One phone number (added before `phones`)."},
    **_CONTACT_FIELDS,
)

CONTACT_PATCH = obj(
    description="The fields to change; `phones` replaces every number. Omitted fields stay as they are.",
    extra={"minProperties": 1},
    **_CONTACT_FIELDS,
)

NEW_QUESTION = obj(
    required=("channel",),
    description="A question from any channel: an existing contact (`contact_id`) or a new one (`contact`), "
                "exactly one of them. A topic, a free-text subject or both.",
    contact_id=ID,
    contact=ref("NewContact"),
    channel=choice(Channel, "How the question came in; letters and faxes are answered by e-mail."),
    topic=nullable(text(50, "Topic code (see GET /api/v1/topics).")),
    subject=nullable(text(SUBJECT_MAX, "The question in the caller's words.")),
    type=choice(QuestionType, "A question or a complaint (complaints go to the coordinator)."),
    track=choice(Track, "SLA track: standard (2 working days) or competence (5)."),
    received_at={**INSTANT, "description": "When it came in (letters, e-mails); default: now."},
    owner_user_id=nullable({**ID, "description": "The agent who follows it up."}),
)

QUESTION_PATCH = obj(
    description="The fields to change. A track switch keeps the receipt time: the due time is counted "
                "again from it. Omitted fields stay as they are.",
    extra={"minProperties": 1},
    topic=nullable(text(50, "Topic code; null files it under no topic.")),
    subject=nullable(text(SUBJECT_MAX)),
    owner_user_id=nullable(ID),
    track=choice(Track),
    reason=text(NOTE_MAX, "Why the track changes (kept in the history)."),
)

NEW_EVENT = obj(
    required=("kind",),
    description="`note` and `reminder` carry `text` (required for a note); `call_linked` a `call_id`; "
                "`faq_flagged` says whether a FAQ entry is `needed` (default true).",
    kind=choice(tuple(k.value for k in RECORDABLE_KINDS)),
    text=text(NOTE_MAX),
    call_id=text(100, "The telephony id of a recorded call.", min_length=1),
    needed={"type": "boolean"},
    extra={"allOf": [
        {"if": {"properties": {"kind": {"const": "note"}}}, "then": {"required": ["text"]}},
        {"if": {"properties": {"kind": {"const": "call_linked"}}}, "then": {"required": ["call_id"]}},
    ]},
)

STATUS_CHANGE = obj(
    required=("status",),
    description="Move along the status machine; answering needs the `tier`.",
    status=choice(Status),
    note=text(NOTE_MAX),
    tier=choice(Tier, "Who answered: the front or the back office (only with status answered)."),
)

ANSWER = obj(required=("tier",), tier=choice(Tier, "Who answered: the front or the back office."),
             note=text(NOTE_MAX))

CLOSE = obj(note=text(NOTE_MAX))

NEW_TOPIC = obj(
    required=("code", "names"),
    code=text(50, "Lower-case letters, digits, '-' and '_'.", min_length=1),
    names=obj(required=LANGUAGES, **{lang: text(200, min_length=1) for lang in LANGUAGES}),
    active={"type": "boolean"},
    faq_reference=nullable(text(500, "URL or id of the FAQ entry that answers it.")),
)

TRANSFER = obj(
    required=("expert_user_id",),
    description="Hand the question to an expert of the back office (see transfer-candidates); `force` "
                "overrides the competence check only.",
    expert_user_id=ID,
    note=text(NOTE_MAX),
    force={"type": "boolean"},
)

DELAY_NOTICE = obj(
    required=("due", "reason"),
    description="Tell the citizen the answer comes later: by e-mail, or by a call-back task for the owner "
                "when the answer goes by phone. The new date becomes the due time.",
    due={**INSTANT, "description": "The new expected date, after the current due time."},
    reason=text(REASON_MAX, "Why, in words the citizen reads.", min_length=1),
)

REQUEST_SCHEMAS: dict[str, Schema] = {
    "NewContact": NEW_CONTACT,
    "ContactPatch": CONTACT_PATCH,
    "NewQuestion": NEW_QUESTION,
    "QuestionPatch": QUESTION_PATCH,
    "NewEvent": NEW_EVENT,
    "StatusChange": STATUS_CHANGE,
    "Answer": ANSWER,
    "Close": CLOSE,
    "NewTopic": NEW_TOPIC,
    "Transfer": TRANSFER,
    "DelayNoticeRequest": DELAY_NOTICE,
}

SCHEMAS: dict[str, Schema] = {**REQUEST_SCHEMAS, **RESPONSE_SCHEMAS, **WEBHOOK_SCHEMAS}
