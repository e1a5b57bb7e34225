"""`callcenter webhooks` on SQLite and PostgreSQL: add (secret shown once), list, deliveries, redeliver,
remove; bad input is one sentence and exit 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.bootstrap import Services, build_services
from callcenter.cli import main
from callcenter.domain.questions import SYSTEM
from callcenter.services.contacts import ContactIn
from callcenter.services.questions import RegisterQuestion
from tests.integration.webhook_support import Receiver, receiver_fixture  # noqa: F401


@pytest.fixture
def services(make_settings: Any, database_url: str, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setenv("CALLCENTER_DATABASE_URL", database_url)
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path / "var"))  # the same secret_key as below
    built = build_services(make_settings(database_url=database_url), no_redis=True)
    yield built
    built.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(["webhooks", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_subscriptions_from_the_command_line(services: Services, receiver: Receiver,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, added, err = run(capsys, "add", receiver.url, "--events", "question.created,call.ended",
                           "--description", "Regional CRM")
    assert code == 0 and added["secret"].startswith("whsec_") and "not shown again" in err
    assert added["events"] == ["call.ended", "question.created"]
    code, listed, _ = run(capsys, "list")
    assert code == 0 and [(s["id"], s["description"]) for s in listed] == [(1, "Regional CRM")]
    assert "secret" not in listed[0]

    contact = services.contacts.create(ContactIn("Anne", ("0471123456",), "anne@example.org", "fr"))
    services.questions.register(RegisterQuestion(contact.id, "phone", subject="RIS"), SYSTEM)
    assert services.webhook_delivery.deliver(1).status == "delivered"  # signed with the secret the CLI sealed
    code, log, _ = run(capsys, "deliveries", "1")
    assert code == 0 and [(d["event_type"], d["status"], d["last_status_code"]) for d in log] == [
        ("question.created", "delivered", 200)]
    code, again, err = run(capsys, "redeliver", log[0]["event_id"])
    assert code == 0 and [(d["id"], d["status"]) for d in again] == [(2, "pending")] and "worker" in err
    assert run(capsys, "deliveries", "1", "--status", "pending")[1][0]["id"] == 2

    code, removed, _ = run(capsys, "remove", "1")
    assert code == 0 and removed["removed_at"] is not None
    assert run(capsys, "list")[1] == []


@pytest.mark.parametrize(("argv", "says"), [
    (("add", "ftp://example.org/h", "--events", "call.ended"), "url: an http:// or https:// URL"),
    (("add", "https://example.org/h", "--events", "call.rung"), "events: one or more of"),
    (("add", "https://example.org/h", "--events", "call.ended", "--secret", "short"), "secret: 16 to 200"),
    (("remove", "7"), "There is no webhook subscription 7."),
    (("deliveries", "7"), "There is no webhook subscription 7."),
    (("redeliver", "evt_x"), "An event id is evt_"),
    (("redeliver", "evt_" + "0" * 32), "There is no webhook event"),
])
def test_bad_input_is_one_sentence_and_exit_2(services: Services, capsys: pytest.CaptureFixture[str],
                                               argv: tuple[str, ...], says: str) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, None) and says in err and err.count("\n") == 1
