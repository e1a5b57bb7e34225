"""Identity use cases against hand-written fakes: logins, rehash, sessions, tokens and their scopes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from callcenter.domain.identity import (
    ROLE_SCOPES,
    InvalidCredentials,
    NewUser,
    Role,
    WeakPassword,
    credential_stamp,
)
from callcenter.services.clock import FixedClock
from callcenter.services.identity import IdentityService
from tests.unit.identity_fakes import FakeHasher, FakeUow

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def uow() -> FakeUow:
    return FakeUow()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def identity(uow: FakeUow, clock: FixedClock, hasher: FakeHasher) -> IdentityService:
    return IdentityService(uow, clock, hasher)


def _marie(*roles: Role) -> NewUser:
    return NewUser("Marie", "Marie Dupont", "marie@mi-is.be", frozenset(roles or {Role.AGENT}))


def test_create_user_stores_a_hash_and_normalises_the_name(identity: IdentityService, uow: FakeUow) -> None:
    user, generated = identity.create_user(_marie(), PASSWORD)
    assert generated is None and user.username == "marie" and user.created_at == T0
    assert uow.users.rows[user.id][1] == f"v2${PASSWORD}"


def test_create_user_without_password_generates_one_that_works(identity: IdentityService) -> None:
    _, generated = identity.create_user(_marie())
    assert generated is not None and len(generated) >= 24
    assert identity.authenticate("marie", generated).username == "marie"


def test_create_user_refuses_duplicates_and_weak_passwords(identity: IdentityService) -> None:
    identity.create_user(_marie(), PASSWORD)
    with pytest.raises(Conflict, match="'marie'"):
        identity.create_user(_marie(), PASSWORD)
    with pytest.raises(WeakPassword):
        identity.create_user(dataclasses.replace(_marie(), username="paul"), "short")


def test_authenticate_refuses_wrong_unknown_and_disabled_users_alike(identity: IdentityService,
                                                                     hasher: FakeHasher) -> None:
    identity.create_user(_marie(), PASSWORD)
    failures = []
    for username, password in (("marie", "wrong password!"), ("nobody", PASSWORD)):
        with pytest.raises(InvalidCredentials) as err:
            identity.authenticate(username, password)
        failures.append(err.value.message)
    identity.disable("marie")
    with pytest.raises(InvalidCredentials) as err:
        identity.authenticate("marie", PASSWORD)
    assert failures == [err.value.message] * 2
    assert len(hasher.verified) == 3  # unknown and disabled users cost a hash check too


def test_authenticate_rehashes_a_password_hashed_with_old_parameters(uow: FakeUow, clock: FixedClock) -> None:
    IdentityService(uow, clock, FakeHasher("v1")).create_user(_marie(), PASSWORD)
    user = IdentityService(uow, clock, FakeHasher("v2")).authenticate("Marie ", PASSWORD)
    assert uow.users.rows[user.id][1] == f"v2${PASSWORD}"
    assert user.credential_stamp == credential_stamp(f"v2${PASSWORD}")


def test_a_session_ends_when_the_password_changes_or_the_user_is_disabled(identity: IdentityService) -> None:
    user = identity.authenticate(*_with_user(identity))
    assert identity.session_principal(user.id, user.credential_stamp).username == "marie"
    generated = identity.set_password("marie")
    with pytest.raises(InvalidCredentials):
        identity.session_principal(user.id, user.credential_stamp)
    assert generated is not None
    fresh = identity.authenticate("marie", generated)
    identity.disable("marie")
    with pytest.raises(InvalidCredentials):
        identity.session_principal(fresh.id, fresh.credential_stamp)
    assert identity.enable("marie").active


def test_disabling_a_user_deletes_their_sip_hashes_and_enabling_does_not_bring_them_back(
        identity: IdentityService, uow: FakeUow) -> None:
    user, _ = identity.create_user(_marie(), PASSWORD)
    other, _ = identity.create_user(dataclasses.replace(_marie(), username="paul"), PASSWORD)
    uow.sip_accounts.user_ids.update({user.id, other.id})
    commits = uow.commits
    identity.disable("marie")
    assert uow.sip_accounts.user_ids == {other.id}  # only marie's phone is locked out
    assert uow.commits == commits + 1  # one transaction: disabled and without SIP hashes together
    identity.enable("marie")
    assert uow.sip_accounts.user_ids == {other.id}  # her phone needs a new SIP password


def test_set_password_and_disable_name_unknown_users(identity: IdentityService) -> None:
    with pytest.raises(NotFound):
        identity.set_password("ghost", PASSWORD)
    with pytest.raises(NotFound):
        identity.disable("ghost")


def test_a_user_token_acts_as_the_user_with_its_scopes(identity: IdentityService, uow: FakeUow) -> None:
    _with_user(identity)
    token, raw = identity.create_token("panel", ["questions:read", "calls:write"], "marie", 30)
    assert raw.startswith("cc_") and len(raw) > 40
    assert token.expires_at == T0 + timedelta(days=30) and token.username == "marie"
    assert raw not in {d for _, d in uow.api_tokens.rows.values()}
    principal = identity.verify_token(raw)
    assert (principal.username, principal.token_id, principal.roles) == ("marie", token.id, {Role.AGENT})
    assert principal.scopes == {"questions:read", "calls:write"}


def test_a_user_token_cannot_exceed_the_roles_and_loses_withdrawn_ones(identity: IdentityService,
                                                                        uow: FakeUow) -> None:
    _with_user(identity, Role.AGENT, Role.ADMIN)
    with pytest.raises(RuleViolation, match="'admin'"):
        identity.create_token("x", ["admin"], "paul")
    _, raw = identity.create_token("ops", ["admin", "questions:read"], "marie")
    marie, password_hash = uow.users.credentials("marie")  # type: ignore[misc]
    uow.users.rows[marie.id] = (dataclasses.replace(marie, roles=frozenset({Role.COACH})), password_hash)
    assert identity.verify_token(raw).scopes == {"questions:read"}


def test_an_integration_token_acts_as_the_integration(identity: IdentityService) -> None:
    _, raw = identity.create_token("kamailio", ["calls:write"])
    principal = identity.verify_token(raw)
    assert (principal.user_id, principal.integration, principal.scopes) == (None, "kamailio", {"calls:write"})


def test_last_use_is_written_at_most_once_a_minute(identity: IdentityService, uow: FakeUow,
                                                   clock: FixedClock) -> None:
    token, raw = identity.create_token("crm", ["contacts:read"])
    commits = uow.commits
    identity.verify_token(raw)
    clock.set(T0 + timedelta(seconds=59))
    identity.verify_token(raw)
    assert uow.commits == commits + 1 and uow.api_tokens.by_id(token.id).last_used_at == T0  # type: ignore[union-attr]
    clock.set(T0 + timedelta(seconds=60))
    identity.verify_token(raw)
    assert uow.api_tokens.by_id(token.id).last_used_at == T0 + timedelta(seconds=60)  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", ["", "Bearer x", "cc_unknown", "cc_" + "x" * 300])
def test_unknown_or_malformed_tokens_are_refused(identity: IdentityService, raw: str) -> None:
    with pytest.raises(InvalidCredentials):
        identity.verify_token(raw)


def test_expired_and_revoked_tokens_are_refused(identity: IdentityService, clock: FixedClock) -> None:
    _, expiring = identity.create_token("a", ["calls:read"], expires_days=1)
    revoked, raw = identity.create_token("b", ["calls:read"])
    first = identity.revoke_token(revoked.id)
    clock.set(T0 + timedelta(days=1))
    assert identity.revoke_token(revoked.id).revoked_at == first.revoked_at == T0
    with pytest.raises(InvalidCredentials, match="expired"):
        identity.verify_token(expiring)
    with pytest.raises(InvalidCredentials, match="revoked"):
        identity.verify_token(raw)
    with pytest.raises(NotFound):
        identity.revoke_token(99)


def test_token_creation_checks_its_input(identity: IdentityService) -> None:
    with pytest.raises(InvalidInput, match="scope"):
        identity.create_token("x", ["everything"])
    with pytest.raises(InvalidInput, match="days"):
        identity.create_token("x", ["calls:read"], expires_days=0)
    with pytest.raises(InvalidInput, match="name"):
        identity.create_token("  ", ["calls:read"])
    with pytest.raises(NotFound):
        identity.create_token("x", ["calls:read"], "ghost")


def test_session_scopes_follow_the_roles(identity: IdentityService) -> None:
    _with_user(identity, Role.COACH)
    user = identity.authenticate("marie", PASSWORD)
    assert identity.session_principal(user.id, user.credential_stamp).scopes == ROLE_SCOPES[Role.COACH]


def _with_user(identity: IdentityService, *roles: Role) -> tuple[str, str]:
    identity.create_user(_marie(*roles), PASSWORD)
    identity.create_user(dataclasses.replace(_marie(Role.COACH), username="paul"), PASSWORD)
    return "marie", PASSWORD
