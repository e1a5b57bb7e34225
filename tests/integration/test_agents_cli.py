"""`callcenter agents set|list|remove` on the embedded database: output and exit codes 0 and 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli import main

Capture = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path / "var"))
    for name in ("CALLCENTER_CONFIG", "CALLCENTER_DATABASE_URL", "CALLCENTER_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: Capture, *argv: str) -> tuple[int, Any, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def user(capsys: Capture, username: str, role: str = "agent") -> None:
    code, _, _ = run(capsys, "users", "create", "--username", username, "--name", username.title(),
                     "--email", f"{username}@mi-is.be", "--role", role)
    assert code == 0


def test_an_agent_gets_a_phone_languages_and_groups(capsys: Capture) -> None:
    user(capsys, "marie")
    code, profile, _ = run(capsys, "agents", "set", "Marie", "--sip", "SIP:marie@pbx.mi-is.be",
                           "--lang", "fr", "--lang", "NL", "--group", "cpas")
    assert code == 0
    assert profile == {"id": 1, "username": "marie", "display_name": "Marie",
                       "sip_uri": "sip:marie@pbx.mi-is.be",
                       "languages": ["fr", "nl"], "groups": ["cpas"], "ring_via": "sip", "active": True}
    code, listed, _ = run(capsys, "agents", "list")
    assert code == 0 and listed == [profile]
    assert run(capsys, "agents", "remove", "marie")[0] == 0
    assert run(capsys, "agents", "list")[1] == []


def test_removing_an_agent_removes_their_phones_sip_password(capsys: Capture) -> None:
    user(capsys, "marie")
    assert run(capsys, "agents", "set", "marie", "--sip", "sip:marie@pbx.mi-is.be", "--lang", "fr")[0] == 0
    assert run(capsys, "users", "set-sip-password", "marie")[0] == 0
    code, removed, _ = run(capsys, "agents", "remove", "marie")
    assert code == 0 and removed == {"username": "marie", "removed": True, "sip_password_removed": True}
    code, _, err = run(capsys, "users", "remove-sip-password", "marie")  # nothing left to remove
    assert code == 2 and "has no SIP password" in err
    assert run(capsys, "agents", "set", "marie", "--sip", "sip:marie@pbx.mi-is.be", "--lang", "fr")[0] == 0
    assert run(capsys, "agents", "remove", "marie")[1]["sip_password_removed"] is False


@pytest.mark.parametrize(("argv", "message"), [
    (["agents", "set", "marie", "--sip", "marie@pbx", "--lang", "fr"], "invalid fields: sip_uri"),
    (["agents", "set", "marie", "--sip", "sip:m@pbx", "--lang", "es"], "invalid fields: languages"),
    (["agents", "set", "ghost", "--sip", "sip:g@pbx", "--lang", "fr"], "There is no user 'ghost'."),
    (["agents", "set", "koen", "--sip", "sip:k@pbx", "--lang", "nl"], "does not have the agent role"),
    (["agents", "remove", "koen"], "has no agent profile"),
])
def test_bad_profiles_exit_2_with_one_sentence(capsys: Capture, argv: list[str], message: str) -> None:
    user(capsys, "marie")
    user(capsys, "koen", "coach")
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, None) and message in err and err.count("\n") == 1


def test_two_agents_cannot_share_a_phone(capsys: Capture) -> None:
    user(capsys, "marie")
    user(capsys, "jan")
    assert run(capsys, "agents", "set", "marie", "--sip", "sip:desk1@pbx", "--lang", "fr")[0] == 0
    code, _, err = run(capsys, "agents", "set", "jan", "--sip", "sip:desk1@pbx", "--lang", "nl")
    assert code == 2 and "already has the SIP address" in err
