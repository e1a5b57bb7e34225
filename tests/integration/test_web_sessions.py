"""Browser sessions on SQLite and PostgreSQL: login, roles, CSRF, idle timeout, and the API by session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Blueprint, Flask, jsonify, render_template_string, request, session
from flask.testing import FlaskClient

from callcenter.bootstrap import Services
from callcenter.domain.identity import Role
from callcenter.services.clock import FixedClock
from callcenter.web.app import create_app, services
from callcenter.web.auth import (
    csrf_protect,
    current_principal,
    login_user,
    logout_user,
    require_role,
    require_scope,
    safe_next_url,
)
from tests.integration.identity_support import PASSWORD, T0, identity_services, new_user


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def built(make_settings, database_url: str, clock: FixedClock) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url=database_url, session_idle_minutes=30, session_cookie_secure=True)
    services = identity_services(settings, clock)
    services.identity.create_user(new_user("carla", Role.COACH), PASSWORD)
    services.identity.create_user(new_user("alex", Role.AGENT), PASSWORD)
    yield services
    services.close()


def _pages() -> Blueprint:
    pages = Blueprint("pages", __name__)

    @pages.get("/probe/login")
    def login_form():  # type: ignore[no-untyped-def]
        session["planted"] = "before login"
        return render_template_string("{{ csrf_token() }}")

    @pages.post("/probe/login")
    @csrf_protect
    def login():  # type: ignore[no-untyped-def]
        login_user(services().identity.authenticate(request.form["username"], request.form["password"]))
        return jsonify(planted=session.get("planted"), next=safe_next_url())

    @pages.post("/probe/logout")
    @require_role(*Role)
    def logout():  # type: ignore[no-untyped-def]
        logout_user()
        return jsonify(ok=True)

    @pages.route("/coaching", methods=["GET", "POST"])
    @require_role("coach", Role.SUPERVISOR)
    def coaching():  # type: ignore[no-untyped-def]
        return jsonify(user=current_principal().username)

    @pages.route("/api/questions", methods=["GET", "POST"])
    @require_scope("questions:read")
    def questions():  # type: ignore[no-untyped-def]
        principal = current_principal()
        return jsonify(user=principal.username, token=principal.token_id)

    return pages


@pytest.fixture
def app(built: Services) -> Flask:
    app = create_app(built, {"TESTING": True})
    app.register_blueprint(_pages())
    return app


def _login(client: FlaskClient, username: str, password: str = PASSWORD, next_url: str = "") -> str:
    """Log in like a browser (form with its CSRF token); return the session's new CSRF token."""
    token = client.get("/probe/login").get_data(as_text=True)
    response = client.post(f"/probe/login?next={next_url}", data={"username": username, "password": password,
                                                           "csrf_token": token})
    assert response.status_code == 200, response.json
    with client.session_transaction() as state:
        assert state["csrf"] != token  # a new session, with a new CSRF token
        return str(state["csrf"])


def test_login_starts_a_fresh_session_that_opens_pages_of_its_role(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/coaching").status_code == 401
    _login(client, "carla")
    page = client.get("/coaching")
    assert page.status_code == 200 and page.json == {"user": "carla"}
    with client.session_transaction() as state:
        assert "planted" not in state  # nothing set before the login survives it


def test_the_login_form_needs_its_csrf_token_and_a_right_password(app: Flask) -> None:
    client = app.test_client()
    client.get("/probe/login")
    forged = client.post("/probe/login", data={"username": "carla", "password": PASSWORD})
    assert forged.status_code == 403 and forged.json["error"] == "csrf-failed"  # type: ignore[index]
    token = client.get("/probe/login").get_data(as_text=True)
    wrong = client.post("/probe/login", data={"username": "carla", "password": "not the password",
                                        "csrf_token": token})
    assert wrong.status_code == 401 and wrong.json["error"] == "invalid-credentials"  # type: ignore[index]


def test_a_page_of_another_role_is_forbidden(app: Flask) -> None:
    client = app.test_client()
    _login(client, "alex")
    denied = client.get("/coaching")
    assert denied.status_code == 403 and denied.json["error"] == "forbidden"  # type: ignore[index]


def test_pages_redirect_to_the_login_view_when_one_is_configured(app: Flask) -> None:
    app.config["LOGIN_VIEW"] = "pages.login_form"
    response = app.test_client().get("/coaching?tab=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/probe/login?next=/coaching?tab%3D2"


def test_unsafe_requests_of_a_session_need_the_csrf_token(app: Flask) -> None:
    client = app.test_client()
    csrf = _login(client, "carla")
    assert client.post("/coaching").status_code == 403
    assert client.post("/coaching", headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert client.post("/coaching", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.post("/coaching", data={"csrf_token": csrf}).status_code == 200


def test_a_session_ends_after_idle_time_but_each_request_extends_it(app: Flask, clock: FixedClock) -> None:
    client = app.test_client()
    _login(client, "carla")
    for minutes in (29, 58, 87):
        clock.set(T0 + timedelta(minutes=minutes))
        assert client.get("/coaching").status_code == 200
    clock.set(T0 + timedelta(minutes=87 + 31))
    expired = client.get("/coaching")
    assert expired.status_code == 401 and expired.json["error"] == "session-expired"  # type: ignore[index]
    clock.set(T0 + timedelta(minutes=87 + 32))
    assert client.get("/coaching").json["error"] == "invalid-credentials"  # type: ignore[index]


def test_a_new_password_or_a_disabled_user_ends_the_session(app: Flask, built: Services) -> None:
    client, other = app.test_client(), app.test_client()
    _login(client, "carla")
    _login(other, "alex")
    built.identity.set_password("carla", "another long password")
    built.identity.disable("alex")
    assert client.get("/coaching").status_code == 401
    assert other.get("/api/questions").status_code == 401


def test_logout_ends_the_session(app: Flask) -> None:
    client = app.test_client()
    csrf = _login(client, "carla")
    assert client.post("/probe/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/coaching").status_code == 401


def test_a_logged_in_browser_may_call_the_api_with_its_roles_scopes(app: Flask, built: Services) -> None:
    client = app.test_client()
    csrf = _login(client, "carla")
    assert client.get("/api/questions").json == {"user": "carla", "token": None}
    assert client.post("/api/questions").status_code == 403
    assert client.post("/api/questions", headers={"X-CSRF-Token": csrf}).status_code == 200
    _, raw = built.identity.create_token("script", ["questions:read"], "alex")
    by_token = app.test_client().post("/api/questions", headers={"Authorization": f"Bearer {raw}"})
    assert by_token.json == {"user": "alex", "token": 1}  # tokens need no CSRF token


def test_the_session_cookie_follows_the_settings_and_next_stays_on_site(app: Flask) -> None:
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    for target, expected in (("/questions/42", "/questions/42"), ("//evil.example", "/"),
                             ("https://evil.example/", "/")):
        client.get("/probe/login")
        with client.session_transaction() as state:
            token = str(state["csrf"])
        response = client.post(f"/probe/login?next={target}",
                               data={"username": "carla", "password": PASSWORD, "csrf_token": token})
        assert response.json["next"] == expected  # type: ignore[index]
