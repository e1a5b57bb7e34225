"""The webhook subscription API (admin scope) on SQLite and PostgreSQL, every answer checked against the
OpenAPI document; and the document itself publishes what subscribers receive."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api_support import Api, api_fixture  # noqa: F401
from webhooks import event_schemas

EVENTS = ["call.ringing", "call.answered", "call.ended", "question.created", "question.updated",
          "question.closed"]
SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions"


@pytest.fixture
def admin(api: Api) -> Api:
    api.tokens["admin"] = api.services.identity.create_token("operations", ["admin"], None)[1]
    return api


def subscribe(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"url": "https://crm.example.org/hooks", "events": ["question.created"], **fields}
    response = api.post(SUBSCRIPTIONS, "admin", json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_only_admins_manage_subscriptions(admin: Api) -> None:
    assert admin.get(SUBSCRIPTIONS, "agent").status_code == 403
    assert admin.post(SUBSCRIPTIONS, "coordinator", json={"url": "https://x.example", "events": EVENTS}
                      ).status_code == 403
    assert admin.get(SUBSCRIPTIONS, None).status_code == 401


def test_subscriptions_are_added_read_changed_listed_and_removed(admin: Api) -> None:
    created = subscribe(admin, description="CRM of the regional office", secret="a-secret-of-enough-length")
    assert created["secret"] == "a-secret-of-enough-length" and created["removed_at"] is None
    generated = subscribe(admin, events=EVENTS)
    assert generated["secret"].startswith("whsec_")
    path = f"{SUBSCRIPTIONS}/{created['id']}"
    read = admin.get(path, "admin").get_json()
    assert "secret" not in read and read["description"] == "CRM of the regional office"
    changed = admin.patch(path, "admin", json={"events": ["call.ended", "question.closed"]}).get_json()
    assert changed["events"] == ["call.ended", "question.closed"]
    listed = admin.get(SUBSCRIPTIONS, "admin").get_json()["items"]
    assert [s["id"] for s in listed] == [created["id"], generated["id"]]
    removed = admin.call("DELETE", path, "admin").get_json()
    assert removed["removed_at"] is not None
    assert admin.get(path, "admin").status_code == 404
    assert admin.call("DELETE", path, "admin").status_code == 404
    assert admin.get(f"{path}/deliveries", "admin").get_json() == {"items": []}  # the log stays readable


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://x.example/h", "events": ["call.ended"]}, "url"),
    ({"url": "https://x.example/h", "events": []}, "events"),
    ({"url": "https://x.example/h", "events": ["call.rung"]}, "events[0]"),
    ({"url": "https://x.example/h", "events": ["call.ended"], "secret": "short"}, "secret"),
    ({"url": "https://x.example/h", "events": ["call.ended"], "colour": "red"}, "colour"),
])
def test_a_subscription_that_cannot_work_is_refused(admin: Api, body: dict[str, Any], field: str) -> None:
    response = admin.post(SUBSCRIPTIONS, "admin", json=body)
    assert response.status_code == 400 and field in response.get_json()["fields"]


def test_an_event_is_logged_per_subscription_and_redelivered(admin: Api) -> None:
    sub = subscribe(admin)
    contact = admin.post("/api/v1/contacts", json={"name": "Anne", "phone": "0471123456"}).get_json()
    admin.post("/api/v1/questions", json={"contact_id": contact["id"], "channel": "phone", "subject": "RIS"})
    assert [job_id for _, _, job_id in admin.jobs.jobs if job_id.startswith("webhook-")] == ["webhook-1-0"]
    log = admin.get(f"{SUBSCRIPTIONS}/{sub['id']}/deliveries?status=pending", "admin").get_json()["items"]
    assert [(d["event_type"], d["attempts"], d["next_attempt_at"] is not None) for d in log] == [
        ("question.created", 0, True)]
    event_id = log[0]["event_id"]
    again = admin.post(f"/api/v1/webhooks/events/{event_id}/redeliver", "admin")
    assert again.status_code == 202 and [d["id"] for d in again.get_json()["items"]] == [2]
    only = admin.post(f"/api/v1/webhooks/events/{event_id}/redeliver", "admin",
                      json={"subscription_id": sub["id"]})
    assert only.status_code == 202 and admin.jobs.jobs[-1][2] == "webhook-3-0"
    assert admin.post("/api/v1/webhooks/events/evt_1/redeliver", "admin").status_code == 400
    assert admin.post(f"/api/v1/webhooks/events/evt_{'0' * 32}/redeliver", "admin").status_code == 404
    admin.call("DELETE", f"{SUBSCRIPTIONS}/{sub['id']}", "admin")
    assert admin.post(f"/api/v1/webhooks/events/{event_id}/redeliver", "admin").status_code == 422
    assert admin.get(f"{SUBSCRIPTIONS}/99/deliveries", "admin").status_code == 404


def test_the_document_publishes_every_event_payload(admin: Api) -> None:
    document = admin.get("/api/v1/openapi.json", None).get_json()
    assert sorted(document["webhooks"]) == sorted(EVENTS)
    for event_type, item in document["webhooks"].items():
        schema = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        published = document["components"]["schemas"][schema.rsplit("/", 1)[1]]
        assert published == event_schemas.component(event_type)
        headers = {p["name"] for p in item["post"]["parameters"]}
        assert {"X-Callcenter-Signature", "X-Callcenter-Event-Id"} <= headers
