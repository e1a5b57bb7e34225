"""Identity on SQLite and PostgreSQL: users and passwords, tokens stored as digests, scopes over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Blueprint, Flask, jsonify
from sqlalchemy import select, text

from callcenter.bootstrap import Services
from callcenter.db.models import Base
from callcenter.domain.errors import Conflict
from callcenter.domain.identity import InvalidCredentials, Role, token_digest
from callcenter.services.clock import FixedClock
from callcenter.web.app import create_app
from callcenter.web.auth import current_principal, require_scope
from tests.integration.identity_support import CHEAP, PASSWORD, T0, identity_services, new_user


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def built(make_settings, database_url: str, clock: FixedClock) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    services = identity_services(make_settings(database_url=database_url), clock)
    yield services
    services.close()


@pytest.fixture
def app(built: Services) -> Flask:
    app = create_app(built, {"TESTING": True})
    probe = Blueprint("probe", __name__)

    @probe.post("/probe/questions")
    @require_scope("questions:write")
    def write_questions():  # type: ignore[no-untyped-def]
        principal = current_principal()
        return jsonify(user=principal.username, integration=principal.integration, token=principal.token_id)

    app.register_blueprint(probe)
    return app


def _password_hash(built: Services, username: str) -> str:
    with built.engine.connect() as conn:
        return str(conn.execute(text("SELECT password_hash FROM users WHERE username = :u"),
                                {"u": username}).scalar_one())


def test_users_are_created_listed_authenticated_and_disabled(built: Services) -> None:
    identity = built.identity
    created, _ = identity.create_user(new_user("marie", Role.AGENT, Role.COACH), PASSWORD)
    identity.create_user(new_user("anne", Role.EXPERT), PASSWORD)
    assert [u.username for u in identity.list_users()] == ["anne", "marie"]
    user = identity.authenticate("MARIE", PASSWORD)
    assert (user.id, user.roles, user.created_at) == (created.id, {Role.AGENT, Role.COACH}, T0)
    assert _password_hash(built, "marie").startswith("$argon2id$")
    with pytest.raises(Conflict):
        identity.create_user(new_user("marie"), PASSWORD)
    identity.disable("marie")
    with pytest.raises(InvalidCredentials):
        identity.authenticate("marie", PASSWORD)
    assert not next(u for u in identity.list_users() if u.username == "marie").active


def test_login_rehashes_a_password_made_with_old_parameters(make_settings, database_url: str,  # type: ignore[no-untyped-def]
                                                            built: Services, clock: FixedClock) -> None:
    built.identity.create_user(new_user("marie"), PASSWORD)
    old = _password_hash(built, "marie")
    stronger = identity_services(make_settings(database_url=database_url), clock, **{**CHEAP, "time_cost": 2})
    try:
        user = stronger.identity.authenticate("marie", PASSWORD)
        fresh = _password_hash(built, "marie")
        assert fresh != old and ",t=2," in fresh and ",t=1," in old
        assert stronger.identity.authenticate("marie", PASSWORD).credential_stamp == user.credential_stamp
    finally:
        stronger.close()


def test_tokens_are_stored_only_as_sha256_digests(built: Services) -> None:
    built.identity.create_user(new_user("marie"), PASSWORD)
    _, raw = built.identity.create_token("panel", ["questions:read"], "marie", 30)
    _, raw2 = built.identity.create_token("kamailio", ["calls:write"])
    with built.engine.connect() as conn:
        dump = " ".join(str(row) for table in Base.metadata.sorted_tables
                        for row in conn.execute(select(table)))
    assert raw not in dump and raw[3:] not in dump and raw2 not in dump
    assert token_digest(raw) in dump and token_digest(raw2) in dump
    listed = built.identity.list_tokens()
    assert [(t.name, t.username) for t in listed] == [("kamailio", None), ("panel", "marie")]


def test_scopes_are_enforced_over_http(app: Flask, built: Services) -> None:
    built.identity.create_user(new_user("marie"), PASSWORD)
    _, right = built.identity.create_token("panel", ["questions:write"], "marie")
    _, wrong = built.identity.create_token("reader", ["questions:read"])
    client = app.test_client()
    missing = client.post("/probe/questions")
    assert missing.status_code == 401 and missing.json["error"] == "invalid-credentials"  # type: ignore[index]
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert client.post("/probe/questions", headers={"Authorization": f"Basic {right}"}).status_code == 401
    assert client.post("/probe/questions", headers=_bearer("cc_forged")).status_code == 401
    denied = client.post("/probe/questions", headers=_bearer(wrong))
    assert denied.status_code == 403 and denied.json == {  # type: ignore[comparison-overlap]
        "error": "forbidden", "message": "This needs the scope 'questions:write'.",
        "fields": {"scope": "questions:write"}}
    ok = client.post("/probe/questions", headers=_bearer(right))
    assert ok.status_code == 200 and ok.json["user"] == "marie"  # type: ignore[index]


def test_revoked_and_expired_tokens_get_401_and_use_is_recorded(app: Flask, built: Services,
                                                                 clock: FixedClock) -> None:
    expiring, soon = built.identity.create_token("crm", ["questions:write"], expires_days=1)
    revoked, later = built.identity.create_token("old-crm", ["questions:write"])
    client = app.test_client()
    assert client.post("/probe/questions", headers=_bearer(soon)).json["integration"] == "crm"  # type: ignore[index]
    built.identity.revoke_token(revoked.id)
    clock.set(T0 + timedelta(days=1))
    for raw, message in ((soon, "expired"), (later, "revoked")):
        response = client.post("/probe/questions", headers=_bearer(raw))
        assert response.status_code == 401 and message in response.json["message"]  # type: ignore[index]
    states = {t.name: (t.last_used_at, t.revoked_at) for t in built.identity.list_tokens()}
    assert states == {"crm": (T0, None), "old-crm": (None, T0)}


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}
