"""Transfers to the back office and delay notices through the REST API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callcenter.domain.sla import REMINDER_TASK
from callcenter.services.outbox import DELIVER_TASK
from tests.integration.api_support import Api, api_fixture  # noqa: F401
from tests.integration.crm_support import topic

ANNE = {"name": "Anne Peeters", "phone": "0471 12 34 56", "email": "anne@example.be", "language": "nl"}
LATER = "2026-12-04T15:00:00+00:00"  # after the standard due time (30 November, 16:30 in Brussels)


def _question(api: Api, **fields: Any) -> str:
    body = {"channel": "phone", "subject": "RIS", "contact": ANNE,
            "owner_user_id": api.user_ids["agent"], **fields}
    response = api.post("/api/v1/questions", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["registration_number"])


def _benefits_expert(api: Api) -> int:
    topic(api.services, "benefits")
    api.services.agendas.set_competences("expert", ["benefits"])
    return api.user_ids["expert"]


def test_candidates_then_transfer_to_the_expert(api: Api) -> None:
    expert = _benefits_expert(api)
    number = _question(api, topic="benefits")
    candidates = api.get(f"/api/v1/questions/{number}/transfer-candidates").get_json()["items"]
    assert [(c["user_id"], c["available_now"]) for c in candidates] == [(expert, True)]
    response = api.post(f"/api/v1/questions/{number}/transfer", json={"expert_user_id": expert,
                                                                      "note": "Question pointue"})
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["owner_user_id"]) == ("transferred", expert)
    last = api.get(f"/api/v1/questions/{number}").get_json()["history"][-1]
    assert (last["kind"], last["by"], last["data"]["note"]) == ("owner_changed", api.user_ids["agent"],
                                                                "Question pointue")


def test_transfers_are_refused_with_the_rule_broken(api: Api) -> None:
    _benefits_expert(api)
    number = _question(api, topic="benefits")
    transfer = f"/api/v1/questions/{number}/transfer"
    not_expert = api.post(transfer, json={"expert_user_id": api.user_ids["coach"]})
    assert (not_expert.status_code, not_expert.get_json()["error"]) == (422, "not-an-expert")
    no_topic = _question(api)
    unfiled = api.get(f"/api/v1/questions/{no_topic}/transfer-candidates")
    assert unfiled.status_code == 422 and unfiled.get_json()["fields"] == {"topic": "required to transfer"}
    assert api.post(transfer, json={}).get_json()["fields"] == {"expert_user_id": "required"}
    api.post(f"/api/v1/questions/{number}/answer", json={"tier": "front"})
    answered = api.post(transfer, json={"expert_user_id": api.user_ids["expert"]})
    assert (answered.status_code, answered.get_json()["error"]) == (409, "question-not-open")
    assert api.get(f"/api/v1/questions/{number}/transfer-candidates", "coach").status_code == 409


def test_a_delay_notice_by_mail_moves_the_due_time_and_queues_the_mail(api: Api) -> None:
    number = _question(api, channel="email")
    response = api.post(f"/api/v1/questions/{number}/delay-notice",
                        json={"due": LATER, "reason": "Nous attendons le CPAS."})
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert (result["question"]["status"], result["question"]["due_at"]) == ("delayed", LATER)
    assert result["notice"]["route"] == "email" and result["outbox_message_id"] is not None
    assert result["callback_task"] is None
    assert {job[0] for job in api.jobs.jobs} == {DELIVER_TASK, REMINDER_TASK}


def test_a_delay_notice_by_phone_gives_the_owner_a_call_back(api: Api) -> None:
    number = _question(api)
    result = api.post(f"/api/v1/questions/{number}/delay-notice",
                      json={"due": LATER, "reason": "Dossier incomplet."}).get_json()
    task = result["callback_task"]
    assert (result["notice"]["route"], task["assignee_user_id"], task["done"]) == (
        "callback", api.user_ids["agent"], False)


def test_delay_notices_are_checked(api: Api) -> None:
    number = _question(api)
    past = api.post(f"/api/v1/questions/{number}/delay-notice",
                    json={"due": datetime(2026, 11, 20, tzinfo=UTC).isoformat(), "reason": "x"})
    assert past.status_code == 422 and past.get_json()["fields"] == {"due": "not in the future"}
    unreadable = api.post(f"/api/v1/questions/{number}/delay-notice", json={"due": "tomorrow"})
    assert unreadable.status_code == 400
    assert unreadable.get_json()["fields"] == {"due": "not a date-time", "reason": "required"}
    assert api.post(f"/api/v1/questions/{number}/delay-notice", "coach",
                    json={"due": LATER, "reason": "x"}).status_code == 403
