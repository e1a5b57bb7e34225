"""`callcenter users …` and `callcenter tokens …` on SQLite and PostgreSQL: output, exit codes 0 and 2."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli import main
from callcenter.cli.database import NOT_INITIALISED
from callcenter.domain.identity import token_digest
from callcenter.services.clock import SystemClock
from callcenter.settings import load_settings
from tests.integration.identity_support import PASSWORD, identity_services

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CALLCENTER_CONFIG", raising=False)
    monkeypatch.delenv("CALLCENTER_DATABASE_URL", raising=False)
    return monkeypatch


@pytest.fixture
def db(env: pytest.MonkeyPatch, database_url: str) -> str:
    env.setenv("CALLCENTER_DATABASE_URL", database_url)
    return database_url


def _run(capsys: Capture, *argv: str, stdin: str | None = None,
         monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, Any, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse refuses malformed command lines itself
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def _create(capsys: Capture, username: str, *roles: str) -> tuple[int, Any, str]:
    role_args = [arg for role in roles or ("agent",) for arg in ("--role", role)]
    return _run(capsys, "users", "create", "--username", username, "--name", username.title(),
                "--email", f"{username}@mi-is.be", *role_args)


def test_create_prints_a_generated_password_once_and_it_works(db: str, capsys: Capture) -> None:
    code, user, err = _create(capsys, "marie", "agent", "coach")
    assert code == 0 and user["roles"] == ["agent", "coach"] and user["language"] == "fr"
    assert len(user["password"]) >= 24 and "not shown again" in err
    code, listed, _ = _run(capsys, "users", "list")
    assert code == 0 and [u["username"] for u in listed] == ["marie"] and "password" not in listed[0]
    services = identity_services(load_settings(), SystemClock())
    try:
        assert services.identity.authenticate("marie", user["password"]).id == user["id"]
    finally:
        services.close()


def test_passwords_can_come_from_stdin(db: str, env: pytest.MonkeyPatch, capsys: Capture) -> None:
    code, user, _ = _run(capsys, "users", "create", "--username", "anne", "--name", "Anne", "--email",
                         "anne@mi-is.be", "--role", "expert", "--lang", "nl", "--password-stdin",
                         stdin=PASSWORD + "\n", monkeypatch=env)
    assert code == 0 and "password" not in user and user["language"] == "nl"
    code, out, _ = _run(capsys, "users", "set-password", "Anne", "--password-stdin",
                        stdin="another long password\n", monkeypatch=env)
    assert (code, out) == (0, {"username": "anne"})
    code, out, _ = _run(capsys, "users", "set-password", "anne")
    assert code == 0 and len(out["password"]) >= 24


@pytest.mark.parametrize(("argv", "stdin", "needle"), [
    (["--role", "pilot"], None, "Unknown role 'pilot': use one of agent, expert,"),
    (["--email", "nowhere"], None, "invalid fields: email"),
    (["--lang", "es"], None, "invalid fields: language"),
    (["--password-stdin"], "too short\n", "at least 12 characters"),
    (["--password-stdin"], "\n", "No password"),
])
def test_create_refuses_bad_input_with_exit_2(db: str, env: pytest.MonkeyPatch, capsys: Capture,
                                              argv: list[str], stdin: str | None, needle: str) -> None:
    base = {"--username": "marie", "--name": "Marie", "--email": "marie@mi-is.be", "--role": "agent"}
    for flag in argv:
        base.pop(flag, None)
    args = [part for pair in base.items() for part in pair] + argv
    code, out, err = _run(capsys, "users", "create", *args, stdin=stdin, monkeypatch=env)
    assert code == 2 and out is None and needle in err


def test_duplicates_and_unknown_users_exit_2(db: str, capsys: Capture) -> None:
    assert _create(capsys, "marie")[0] == 0
    code, _, err = _create(capsys, "Marie")
    assert code == 2 and err == "callcenter: The username 'marie' is already taken.\n"
    for command in ("disable", "enable", "set-password"):
        code, _, err = _run(capsys, "users", command, "ghost")
        assert code == 2 and "There is no user 'ghost'." in err


def test_disable_and_enable(db: str, capsys: Capture) -> None:
    _create(capsys, "marie")
    assert _run(capsys, "users", "disable", "marie")[1]["active"] is False
    assert _run(capsys, "users", "list")[1][0]["active"] is False
    assert _run(capsys, "users", "enable", "marie")[1]["active"] is True


def test_tokens_are_printed_once_listed_without_secret_and_revoked(db: str, capsys: Capture) -> None:
    _create(capsys, "marie")
    code, token, err = _run(capsys, "tokens", "create", "--name", "panel", "--scope", "questions:read",
                            "--scope", "calls:write", "--user", "marie", "--expires-days", "30")
    assert code == 0 and token["token"].startswith("cc_") and "not shown again" in err
    assert (token["user"], token["scopes"], token["state"]) == ("marie", ["calls:write", "questions:read"],
                                                                "active")
    code, listed, _ = _run(capsys, "tokens", "list")
    assert code == 0 and "token" not in listed[0] and token["token"] not in json.dumps(listed)
    assert token_digest(token["token"]) not in json.dumps(listed)
    code, revoked, _ = _run(capsys, "tokens", "revoke", str(token["id"]))
    assert code == 0 and revoked["state"] == "revoked" and revoked["revoked_at"]


@pytest.mark.parametrize(("argv", "needle"), [
    (["--scope", "everything"], "Unknown scope 'everything': use one of questions:read,"),
    (["--scope", "admin", "--user", "marie"], "do not allow the scope 'admin'"),
    (["--scope", "calls:read", "--user", "ghost"], "There is no user 'ghost'."),
    (["--scope", "calls:read", "--expires-days", "0"], "1 to 3650 days"),
])
def test_bad_tokens_exit_2(db: str, capsys: Capture, argv: list[str], needle: str) -> None:
    _create(capsys, "marie")
    code, out, err = _run(capsys, "tokens", "create", "--name", "x", *argv)
    assert code == 2 and out is None and needle in err
    assert _run(capsys, "tokens", "revoke", "999")[0] == 2


def test_a_configured_database_without_schema_is_not_migrated_behind_the_operator(
        env: pytest.MonkeyPatch, tmp_path: Path, capsys: Capture) -> None:
    env.setenv("CALLCENTER_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    code, out, err = _run(capsys, "users", "list")
    assert (code, out, err) == (2, None, f"callcenter: {NOT_INITIALISED}\n")


def test_the_embedded_database_is_migrated_on_first_use(env: pytest.MonkeyPatch, tmp_path: Path,
                                                        capsys: Capture) -> None:
    assert _create(capsys, "marie")[0] == 0
    assert (tmp_path / "var" / "callcenter.db").exists()
    assert [u["username"] for u in _run(capsys, "users", "list")[1]] == ["marie"]
