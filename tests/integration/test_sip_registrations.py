"""Phone registrations and SIP passwords on SQLite and PostgreSQL with Redis: the signed report endpoint,
routing that rings registered phones only (when our SIP edge is used), the CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.bootstrap import Services
from callcenter.cli import main
from callcenter.domain.call_events import RouteRequest
from callcenter.domain.errors import RuleViolation
from callcenter.domain.sip_accounts import digests
from callcenter.services.clock import FixedClock
from tests.integration.routing_support import (
    OUR_NUMBER,
    T0,
    add_agent,
    client,
    count,
    routing_services,
    signed_post,
)

REALM = "pbx.mi-is.be"


@pytest.fixture(name="sip")
def sip_services(make_settings: Any, database_url: str, redis_url: str) -> Iterator[Services]:
    """Services tracking SIP registrations (sip_enabled), at T0 on an open day."""
    settings = make_settings(database_url=database_url, redis_url=redis_url, cti_secret="test-secret",
                             service_numbers=f"{OUR_NUMBER}=fr", sip_enabled=True, sip_domain=REALM)
    built = routing_services(settings, FixedClock(T0))
    yield built
    built.close()


def report(user: str, sent_at: float, *contacts: tuple[str, int], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"event_id": f"reg:{user}:{sent_at}", "user": user, "sent_at": f"{sent_at:.6f}",
                            **extra}
    if contacts or "expired" not in extra:
        body["contacts"] = [{"uri": uri, "expires_at": int(T0.timestamp()) + seconds,
                             "user_agent": "Yealink T46U", "source": "10.0.0.5:5060"}
                            for uri, seconds in contacts]
    return body


def test_kamailio_reports_registrations_and_routing_rings_only_registered_phones(sip: Services) -> None:
    alice, bob = add_agent(sip, "alice", "fr"), add_agent(sip, "bob", "fr")
    web = client(sip)
    body = report("alice", 100.0, ("sip:alice@10.0.0.5", 600))
    answer = signed_post(web, sip, "/cti/v1/registrations", body)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["registered"] is True

    ring = sip.call_lifecycle.route(RouteRequest("c1", "r1", "+32471123456", OUR_NUMBER))
    assert [t["agent_id"] for t in ring["targets"]] == [alice]  # bob is available, but his phone is not in
    assert bob not in [t["agent_id"] for t in ring["targets"]]
    assert ("phone" in sip.live.kinds(alice))  # type: ignore[attr-defined]
    assert count(sip, "sip_registrations", "sip_user = 'alice'") == 1


def test_reports_in_the_wrong_order_and_expiries(sip: Services) -> None:
    add_agent(sip, "alice", "fr")
    web = client(sip)
    signed_post(web, sip, "/cti/v1/registrations", report("alice", 200.0, ("sip:alice@10.0.0.5", 600)))
    late = signed_post(web, sip, "/cti/v1/registrations", report("alice", 150.0))  # sent before: ignored
    assert late.get_json() == {"user": "alice", "registered": True, "applied": False,
                               "registered_until": "2026-11-26T09:10:00+00:00"}
    body = report("alice", 300.0, expired=["sip:alice@10.0.0.5"])
    gone = signed_post(web, sip, "/cti/v1/registrations", body)
    assert gone.get_json()["registered"] is False
    assert sip.phone_registrations.registered_users() == frozenset()


@pytest.mark.parametrize(("body", "signature", "status"), [
    ({"event_id": "x", "user": "alice", "sent_at": "1"}, None, 400),  # neither contacts nor expired
    ({"event_id": "x", "user": "alice", "sent_at": "1", "contacts": [{"uri": "sip:a@b"}]}, None, 400),
    ({"event_id": "x", "user": "alice", "sent_at": "1", "contacts": []}, "t=1,v1=00", 401),
    ({"event_id": "x", "user": "alice", "sent_at": "1", "contacts": []}, "", 401),
])
def test_bad_or_unsigned_reports_are_refused(sip: Services, body: dict[str, Any], signature: str | None,
                                             status: int) -> None:
    answer = signed_post(client(sip), sip, "/cti/v1/registrations", body, header=signature)
    assert answer.status_code == status
    assert set(answer.get_json()) >= {"error", "message"}
    assert count(sip, "sip_registrations") == 0


def test_without_our_sip_edge_routing_ignores_registrations(make_settings: Any, database_url: str,
                                                            redis_url: str) -> None:
    settings = make_settings(database_url=database_url, redis_url=redis_url, cti_secret="test-secret",
                             service_numbers=f"{OUR_NUMBER}=fr", sip_enabled=False)
    services = routing_services(settings, FixedClock(T0))
    try:
        alice = add_agent(services, "alice", "fr")
        ring = services.call_lifecycle.route(RouteRequest("c1", "r1", "+32471123456", OUR_NUMBER))
        assert [t["agent_id"] for t in ring["targets"]] == [alice]  # another PBX rings its own phones
    finally:
        services.close()


def test_set_sip_password_stores_hashes_of_the_sip_domain(sip: Services, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         database_url: str) -> None:
    add_agent(sip, "alice", "fr")
    for name, value in {"CALLCENTER_DATA_DIR": str(tmp_path / "cli"), "CALLCENTER_DATABASE_URL": database_url,
                        "CALLCENTER_SIP_DOMAIN": REALM}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdin", io.StringIO("typed-by-the-admin-1\n"))
    assert main(["users", "set-sip-password", "alice", "--password-stdin"]) == 0
    assert json.loads(capsys.readouterr().out) == {"username": "alice"}
    with sip.engine.connect() as conn:
        from sqlalchemy import text

        stored = conn.execute(text("SELECT username, realm, ha1 FROM sip_credentials")).one()
    assert tuple(stored) == ("alice", REALM, digests("alice", REALM, "typed-by-the-admin-1").ha1)

    assert main(["users", "set-sip-password", "alice"]) == 0  # generated, shown once
    assert len(json.loads(capsys.readouterr().out)["password"]) >= 12
    assert main(["users", "set-sip-password", "nobody"]) == 2
    assert main(["users", "remove-sip-password", "alice"]) == 0
    assert count(sip, "sip_credentials") == 0


def test_disabling_a_user_deletes_their_sip_hashes(sip: Services, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path, database_url: str) -> None:
    for name in ("alice", "bob", "carol"):
        add_agent(sip, name, "fr")
        sip.sip_accounts.set_password(name, f"{name}-sip-password-1")
    assert count(sip, "sip_credentials") == 3

    sip.identity.disable("alice")
    assert count(sip, "sip_credentials", "username = 'alice'") == 0  # Kamailio's auth_db finds no hash
    assert count(sip, "sip_credentials") == 2
    with pytest.raises(RuleViolation):  # and none can be given while disabled
        sip.sip_accounts.set_password("alice", "alice-sip-password-2")

    for name, value in {"CALLCENTER_DATA_DIR": str(tmp_path / "cli"),
                        "CALLCENTER_DATABASE_URL": database_url}.items():
        monkeypatch.setenv(name, value)
    assert main(["users", "disable", "bob"]) == 0  # the administrators' way
    assert count(sip, "sip_credentials", "username = 'bob'") == 0
    assert count(sip, "sip_credentials", "username = 'carol'") == 1

    sip.identity.enable("alice")
    assert count(sip, "sip_credentials", "username = 'alice'") == 0  # a new SIP password is needed
    sip.sip_accounts.set_password("alice", "alice-sip-password-3")
    assert count(sip, "sip_credentials", "username = 'alice'") == 1
