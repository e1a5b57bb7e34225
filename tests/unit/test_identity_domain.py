"""Identity rules: roles, scopes and what each role may hold, user and password checks, principals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.domain.identity import (
    LANGUAGES,
    ROLE_SCOPES,
    SCOPES,
    ApiToken,
    Forbidden,
    InvalidCredentials,
    NewUser,
    Principal,
    Role,
    SessionExpired,
    User,
    WeakPassword,
    check_password,
    credential_stamp,
    parse_roles,
    parse_scopes,
    scopes_for_roles,
    token_digest,
    user_principal,
    validate_new_user,
)
from callcenter.domain.identity_messages import MESSAGES, identity_message

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _token(**changes: object) -> ApiToken:
    values: dict[str, object] = dict(id=1, name="crm", scopes=frozenset({"questions:read"}), user_id=None,
                                     username=None, created_at=NOW, last_used_at=None, expires_at=None,
                                     revoked_at=None)
    values.update(changes)
    return ApiToken(**values)  # type: ignore[arg-type]


def test_roles_are_read_case_insensitively_and_unknown_ones_refused() -> None:
    assert parse_roles(["Agent", " coach"]) == {Role.AGENT, Role.COACH}
    with pytest.raises(InvalidInput, match="'pilot'") as err:
        parse_roles(["agent", "pilot"])
    assert err.value.fields == {"roles": "unknown"}
    with pytest.raises(InvalidInput, match="at least one role"):
        parse_roles([])


def test_scopes_must_be_known_and_not_empty() -> None:
    assert parse_scopes(["questions:read", "calls:write"]) == {"questions:read", "calls:write"}
    with pytest.raises(InvalidInput, match="'questions:delete'"):
        parse_scopes(["questions:delete"])
    with pytest.raises(InvalidInput, match="at least one scope"):
        parse_scopes([])


def test_every_role_grants_only_documented_scopes_and_only_admins_administer() -> None:
    assert set(ROLE_SCOPES) == set(Role)
    for role, scopes in ROLE_SCOPES.items():
        assert scopes <= set(SCOPES), role
        assert ("admin" in scopes) == (role is Role.ADMIN)
    assert ROLE_SCOPES[Role.ADMIN] == set(SCOPES)


def test_scopes_of_several_roles_are_their_union() -> None:
    assert scopes_for_roles([Role.COACH, Role.EXPERT]) == ROLE_SCOPES[Role.COACH] | ROLE_SCOPES[Role.EXPERT]
    assert "contacts:write" not in scopes_for_roles([Role.COACH])
    assert scopes_for_roles([]) == frozenset()


def test_a_new_user_is_normalised() -> None:
    user = validate_new_user(NewUser(" Marie.Dupont ", " Marie Dupont ", " marie@mi-is.be ",
                                     frozenset({Role.AGENT}), "nl"))
    assert (user.username, user.display_name, user.email, user.language) == (
        "marie.dupont", "Marie Dupont", "marie@mi-is.be", "nl")


def test_every_bad_field_of_a_new_user_is_named_at_once() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_new_user(NewUser("x", "", "not-an-address", frozenset(), "es"))
    assert set(err.value.fields) == {"username", "display_name", "email", "language", "roles"}


@pytest.mark.parametrize(("password", "problem"), [
    ("short-pass1", "too short"),
    ("x" * 257, "too long"),
    (" " * 12, "guessable"),
    ("my-name-is-marie.dupont", "guessable"),
    ("MARIE.DUPONT-2026", "guessable"),
])
def test_weak_passwords_are_refused(password: str, problem: str) -> None:
    with pytest.raises(WeakPassword) as err:
        check_password(password, "marie.dupont")
    assert err.value.fields == {"password": problem}
    assert err.value.code == "weak-password"


def test_a_long_enough_password_passes_and_very_short_usernames_do_not_forbid_much() -> None:
    check_password("correct horse battery", "marie.dupont")
    check_password("x" * 12, "marie.dupont")
    check_password("the joker is wild", "jo")  # 'jo' inside is fine: a 2-letter name is no hint


def test_token_digest_is_sha256_hex() -> None:
    assert token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert token_digest("cc_abc") == token_digest("cc_abc") != token_digest("cc_abd")


def test_credential_stamp_changes_with_the_password_hash() -> None:
    assert credential_stamp("$argon2id$one") != credential_stamp("$argon2id$two")
    assert len(credential_stamp("$argon2id$one")) == 16


def test_a_token_is_usable_until_it_expires_or_is_revoked() -> None:
    assert _token().usable_at(NOW)
    assert _token(expires_at=NOW + timedelta(seconds=1)).usable_at(NOW)
    assert not _token(expires_at=NOW).usable_at(NOW)
    assert not _token(revoked_at=NOW - timedelta(days=1)).usable_at(NOW)


def test_a_session_principal_holds_the_scopes_of_its_roles() -> None:
    user = User(7, "marie", "Marie", "marie@mi-is.be", "fr", frozenset({Role.COACH}), True, NOW, "stamp")
    principal = user_principal(user)
    assert (principal.user_id, principal.username, principal.token_id) == (7, "marie", None)
    assert principal.scopes == ROLE_SCOPES[Role.COACH]
    assert principal.has_any_role([Role.COACH, Role.ADMIN]) and not principal.has_any_role([Role.AGENT])
    assert principal.acting_as == "marie"


def test_an_integration_principal_names_the_integration() -> None:
    principal = Principal(None, None, frozenset(), frozenset({"calls:write"}), 3, integration="kamailio")
    assert principal.acting_as == "integration:kamailio"
    assert principal.has_scope("calls:write") and not principal.has_scope("calls:read")


def test_refusals_an_agent_reads_exist_in_every_language() -> None:
    from callcenter.web.auth import CsrfRejected  # raised by the web layer, translated with the others

    errors = (InvalidCredentials, SessionExpired, Forbidden, WeakPassword, CsrfRejected)
    codes = {error.code for error in errors}
    assert set(MESSAGES) == codes
    for code in codes:
        texts = [identity_message(code, language) for language in LANGUAGES]
        assert all(texts) and len(set(texts)) == len(LANGUAGES), code
    assert identity_message("forbidden", "es") == identity_message("forbidden", "fr")
    assert identity_message("not-found", "nl") is None
