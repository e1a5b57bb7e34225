"""JSON Schemas of the API's responses: the renderings of callcenter.services.crm_views and the API views.

Every property of a response object is always present (null when empty) and no other one is: the
OpenAPI test validates real responses against these, so a renderer that changes shape fails it.
"""

from __future__ import annotations

from callcenter.domain.calls import Direction
from callcenter.domain.contacts import Language, Match
from callcenter.domain.questions import Channel, EventKind, QuestionType, Status, Tier, Track
from callcenter.domain.sla import NoticeRoute
from callcenter.domain.topics import LANGUAGES
from callcenter.web.schema_parts import (
    BOOL,
    DAY,
    ID,
    INSTANT,
    STRING,
    Schema,
    array,
    choice,
    closed,
    nullable,
    obj,
    ref,
)

REGISTRATION_NUMBER: Schema = {"type": "string", "pattern": r"^\d{4}-\d{4}-\d{4}-\d{2}$",
                               "description": "YYYY-BBBB-BBBB-CC; the check digits catch typos."}

_QUESTION_FIELDS: Schema = {
    "registration_number": REGISTRATION_NUMBER,
    "contact_id": ID,
    "type": choice(QuestionType),
    "channel": choice(Channel),
    "reply_channel": choice(Channel),
    "topic": nullable(STRING),
    "subject": STRING,
    "received_at": INSTANT,
    "status": choice(Status),
    "owner_user_id": nullable(ID),
    "track": choice(Track),
    "due_at": INSTANT,
    "answered_by_tier": nullable(choice(Tier)),
    "answered_at": nullable(INSTANT),
    "closed_at": nullable(INSTANT),
    "faq_needed": BOOL,
    "overdue": {**BOOL, "description": "Still open after its due time."},
}

_TOPIC_FIELDS: Schema = {
    "code": STRING,
    "names": closed(**{lang: STRING for lang in LANGUAGES}),
    "active": BOOL,
    "faq_reference": nullable(STRING),
}

_CONTACT_FIELDS: Schema = {
    "id": ID,
    "name": STRING,
    "email": nullable(STRING),
    "language": choice(Language),
}

_OWN_CALLS = ("The contact's own last calls, newest first; null when not read: behind a switchboard or a "
              "number more people share than a household (see last_calls_from_number).")
_NUMBER_CALLS = ("The last ended calls from this number, whoever made them, newest first, when the match is "
                 "only possible (a switchboard, a shared line); null otherwise.")

CRM_RESPONSES: dict[str, Schema] = {
    "Phone": closed(number={**STRING, "description": "E.164"}, display={**STRING, "description": "As read"}),
    "Organisation": closed(id=ID, name=STRING, switchboard=nullable(ref("Phone"))),
    "Contact": closed(**_CONTACT_FIELDS, organisation_id=nullable(ID), phones=array(ref("Phone"))),
    "Question": closed(**_QUESTION_FIELDS),
    "QuestionEvent": closed(
        kind=choice(EventKind), at=INSTANT, data={"type": "object"},
        by={"anyOf": [ID, {"const": "system"}], "description": "A user id, or system (integrations too)."}),
    "QuestionDetail": closed(**_QUESTION_FIELDS, history=array(ref("QuestionEvent"), "Oldest first.")),
    "QuestionPage": closed(
        items=array(ref("Question")),
        next_cursor=nullable({**STRING, "description": "The `cursor` of the next page; null: no more."})),
    "Topic": closed(**_TOPIC_FIELDS),
    "TopicList": closed(items=array(ref("Topic"))),
    "FrequentSubjects": closed(items=array(closed(**_TOPIC_FIELDS, count=ID, faq_needed_flags={
        "type": "integer", "minimum": 0, "description": "Questions an agent flagged 'FAQ needed'."}))),
    "Call": closed(call_id=STRING, direction=choice(Direction), from_number=STRING, to_number=STRING,
                   started_at=INSTANT, answered_at=nullable(INSTANT), ended_at=nullable(INSTANT),
                   agent_user_id=nullable(ID), outcome=nullable(STRING),
                   question=nullable(REGISTRATION_NUMBER)),
    "OpenQuestion": closed(
        registration_number=REGISTRATION_NUMBER, type=choice(QuestionType), topic=nullable(STRING),
        subject=STRING, status=choice(Status), track=choice(Track), received_at=INSTANT, due=INSTANT,
        working_days_left={"type": "integer", "description": "Negative once the due day has passed."},
        overdue=BOOL),
    "PoppedContact": closed(
        **_CONTACT_FIELDS, organisation=nullable(ref("Organisation")), phones=array(ref("Phone")),
        match=choice(Match, "exact: the only owner of the number; possible: one of several."),
        open_questions=array(ref("OpenQuestion"), "Soonest due first."),
        last_calls=nullable(array(ref("Call"))) | {"description": _OWN_CALLS}),
    "ScreenPop": closed(
        number={**STRING, "description": "The number looked up, in E.164."}, display=STRING,
        unknown={**BOOL, "description": "Nobody has this number."},
        organisations=array(ref("Organisation"), "Organisations whose switchboard this number is."),
        contacts=array(ref("PoppedContact")),
        more_contacts={**BOOL, "description": "More contacts matched than are listed."},
        last_calls_from_number=nullable(array(ref("Call"))) | {"description": _NUMBER_CALLS}),
}

WORKFLOW_RESPONSES: dict[str, Schema] = {
    "TransferCandidates": closed(items=array(closed(
        user_id=ID, username=STRING, display_name=STRING, available_now=BOOL,
        next_free_at=nullable(INSTANT),
        free_today=array({"type": "array", "prefixItems": [INSTANT, INSTANT], "minItems": 2, "maxItems": 2},
                         "Free spans [start, end] of the rest of the day, office time.")),
        "Competent for the question's topic, free now or later today; best first.")),
    "CallbackTask": closed(
        id=ID, registration_number=REGISTRATION_NUMBER, purpose=STRING, assignee_user_id=ID, due=INSTANT,
        created_at=INSTANT, created_by=nullable(ID), done=BOOL, done_at=nullable(INSTANT),
        done_by=nullable(ID), note=nullable(STRING)),
    "DelayNoticeResult": closed(
        question=ref("Question"),
        notice=closed(id=ID, due=INSTANT, previous_due=INSTANT, reason=STRING, route=choice(NoticeRoute),
                      by=nullable(ID), at=INSTANT, outbox_message_id=nullable(ID),
                      callback_task_id=nullable(ID)),
        outbox_message_id=nullable({**ID, "description": "The mail to the citizen (route email)."}),
        callback_task=nullable(ref("CallbackTask"))),
}

CALENDAR_RESPONSES: dict[str, Schema] = {
    "CalendarStatus": obj(required=("open", "reason"), open=BOOL, reason=nullable(STRING),
                          next_close={**INSTANT, "description": "When open."},
                          next_open={**INSTANT, "description": "When closed."}),
    "Deadline": closed(due=INSTANT, track=STRING, day_of_receipt=DAY, working_days=array(DAY),
                       skipped=array(closed(date=DAY, reason=STRING))),
    "ClosedDays": array(closed(date=DAY, name=STRING, source=STRING)),
}

RESPONSE_SCHEMAS: dict[str, Schema] = {
    "Error": obj(required=("error", "message"), error={**STRING, "description": "Stable code."},
                 message={**STRING, "description": "One sentence."},
                 fields={"type": "object", "additionalProperties": STRING,
                         "description": "Field (or parameter) -> problem; only for invalid input."}),
    **CRM_RESPONSES,
    **WORKFLOW_RESPONSES,
    **CALENDAR_RESPONSES,
    "OpenApiDocument": {"type": "object", "description": "This OpenAPI 3.1 document."},
}
