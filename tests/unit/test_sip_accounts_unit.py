"""SIP accounts and phone registrations: digest hashes, reports in any order, the services with fakes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.domain.errors import InvalidInput, NotFound, RuleViolation
from callcenter.domain.identity import Role, User
from callcenter.domain.sip_accounts import (
    PhoneContact,
    PhoneRegistration,
    RegistrationReport,
    SipDigests,
    apply_report,
    check_sip_password,
    digests,
)
from callcenter.services.clock import FixedClock
from callcenter.services.phone_registrations import PhoneRegistrations
from callcenter.services.sip_accounts import SipAccounts
from callcenter.services.sip_ports import RegistrationCacheUnavailable

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def contact(uri: str, seconds: int) -> PhoneContact:
    return PhoneContact(uri, NOW + timedelta(seconds=seconds))


def test_digests_are_the_ha1_of_rfc_2617_and_its_sha256_variant() -> None:
    found = digests("alice", "callcenter.example", "s3cret-passw0rd")
    assert found.ha1 == hashlib.md5(b"alice:callcenter.example:s3cret-passw0rd").hexdigest()
    full = b"alice@callcenter.example:callcenter.example:s3cret-passw0rd"
    assert found.ha1b == hashlib.md5(full).hexdigest()
    assert found.ha1_sha256 == hashlib.sha256(b"alice:callcenter.example:s3cret-passw0rd").hexdigest()
    assert digests("alice", "other.example", "s3cret-passw0rd").ha1 != found.ha1  # bound to the realm


@pytest.mark.parametrize("password", ["short", "x" * 129, "with space inside", "accentué-mot-de-passe"])
def test_sip_passwords_a_phone_cannot_use_are_refused(password: str) -> None:
    with pytest.raises(InvalidInput):
        check_sip_password(password)


def test_a_report_replaces_the_phones_and_an_older_one_changes_nothing() -> None:
    first = apply_report(None, RegistrationReport("e1", "alice", 10.0, (contact("sip:a@1", 60),)))
    assert first is not None and first.registered_until(NOW) == NOW + timedelta(seconds=60)
    second = apply_report(first, RegistrationReport("e2", "alice", 12.0, (contact("sip:a@2", 120),)))
    assert second is not None and [c.uri for c in second.contacts] == ["sip:a@2"]
    assert apply_report(second, RegistrationReport("e3", "alice", 11.0, ())) is None  # overtaken by e2


def test_an_expiry_report_removes_only_that_phone_and_time_ends_a_registration() -> None:
    both = PhoneRegistration("alice", (contact("sip:a@1", 60), contact("sip:a@2", 5)), 10.0)
    left = apply_report(both, RegistrationReport("e", "alice", 11.0, expired=("sip:a@1",)))
    assert left is not None and [c.uri for c in left.contacts] == ["sip:a@2"]
    assert left.registered_until(NOW + timedelta(seconds=6)) is None  # its last phone ran out meanwhile


# Services with hand-written fakes ------------------------------------------------------------------


class FakeSipRepo:
    def __init__(self) -> None:
        self.digests: dict[int, tuple[str, SipDigests]] = {}
        self.registrations: dict[str, PhoneRegistration] = {}

    def set_digests(self, user_id: int, username: str, hashes: SipDigests, at: datetime) -> None:
        self.digests[user_id] = (username, hashes)

    def remove(self, user_id: int) -> bool:
        return self.digests.pop(user_id, None) is not None

    def registration(self, sip_user: str, *, for_update: bool = False) -> PhoneRegistration | None:
        return self.registrations.get(sip_user)

    def save_registration(self, registration: PhoneRegistration, at: datetime) -> None:
        self.registrations[registration.sip_user] = registration

    def registered_until(self, now: datetime) -> dict[str, datetime]:
        found = {u: r.registered_until(now) for u, r in self.registrations.items()}
        return {u: until for u, until in found.items() if until is not None}


class FakeUsers:
    def __init__(self, *users: User) -> None:
        self._users = {u.username: u for u in users}

    def by_username(self, username: str) -> User | None:
        return self._users.get(username)


class FakeUow:
    def __init__(self, repo: FakeSipRepo, users: FakeUsers) -> None:
        self.sip_accounts, self.users, self.commits = repo, users, 0

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        pass


class FakeCache:
    def __init__(self, up: bool = True, seeded: bool = True) -> None:
        self.up, self.seeded = up, seeded
        self.saved: dict[str, datetime | None] = {}

    def save(self, sip_user: str, until: datetime | None) -> None:
        if not self.up:
            raise RegistrationCacheUnavailable("down")
        self.saved[sip_user] = until

    def registered_until(self, now: datetime) -> dict[str, datetime]:
        if not self.up or not self.seeded:
            raise RegistrationCacheUnavailable("down" if not self.up else "not seeded")
        return {u: t for u, t in self.saved.items() if t is not None and t > now}

    def fill(self, registered: dict[str, datetime]) -> None:
        if not self.up:
            raise RegistrationCacheUnavailable("down")
        self.saved.update({u: t for u, t in registered.items() if u not in self.saved})
        self.seeded = True


class FakeLive:
    def __init__(self) -> None:
        self.events: list[tuple[Any, str, dict[str, Any]]] = []

    def to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> str | None:
        self.events.append((agent_id, kind, data))
        return "1-0"

    def to_supervisors(self, kind: str, data: dict[str, Any]) -> str | None:
        self.events.append((None, kind, data))
        return "1-0"


def user(name: str, *, active: bool = True) -> User:
    return User(7, name, name.title(), f"{name}@mi-is.be", "fr", frozenset({Role.AGENT}), active, NOW,
                "stamp")


def test_a_sip_password_is_kept_as_hashes_of_the_current_realm() -> None:
    repo = FakeSipRepo()
    accounts = SipAccounts(lambda: FakeUow(repo, FakeUsers(user("alice"))), FixedClock(NOW),
                           lambda: "pbx.example", new_secret=lambda n: "generated-secret-123")
    assert accounts.set_password("Alice") == "generated-secret-123"
    username, hashes = repo.digests[7]
    assert (username, hashes) == ("alice", digests("alice", "pbx.example", "generated-secret-123"))
    assert accounts.set_password("alice", "typed-by-the-admin") is None
    with pytest.raises(NotFound):
        accounts.set_password("nobody", "typed-by-the-admin")


def test_a_disabled_user_gets_no_sip_password() -> None:
    accounts = SipAccounts(lambda: FakeUow(FakeSipRepo(), FakeUsers(user("bob", active=False))),
                           FixedClock(NOW), lambda: "pbx.example")
    with pytest.raises(RuleViolation):
        accounts.set_password("bob", "typed-by-the-admin")


def registrations(cache: FakeCache | None, live: FakeLive | None = None,
                  repo: FakeSipRepo | None = None) -> tuple[PhoneRegistrations, FakeSipRepo]:
    repo = repo or FakeSipRepo()
    service = PhoneRegistrations(lambda: FakeUow(repo, FakeUsers()), FixedClock(NOW), cache, live,
                                 agent_ids=lambda name: {"alice": 7}.get(name))
    return service, repo


def test_a_report_is_stored_cached_and_shown_on_the_agents_panel() -> None:
    cache, live = FakeCache(), FakeLive()
    service, repo = registrations(cache, live)
    answer = service.report(RegistrationReport("e1", "alice", 1.0, (contact("sip:alice@10.0.0.5", 300),)))
    assert answer["registered"] and answer["applied"]
    assert cache.saved["alice"] == NOW + timedelta(seconds=300)
    assert service.registered_users() == frozenset({"alice"})
    assert [(who, kind) for who, kind, _ in live.events] == [(7, "phone"), (None, "agent_phone")]
    assert service.status("alice")["contacts"][0]["uri"] == "sip:alice@10.0.0.5"


def test_routing_reads_the_database_while_the_cache_is_down_or_empty() -> None:
    repo = FakeSipRepo()
    repo.registrations["bob"] = PhoneRegistration("bob", (contact("sip:bob@1", 60),), 1.0)
    down, _ = registrations(FakeCache(up=False), repo=repo)
    assert down.registered_users() == frozenset({"bob"})
    empty = FakeCache(seeded=False)
    restarted, _ = registrations(empty, repo=repo)
    assert restarted.registered_users() == frozenset({"bob"})
    assert empty.seeded and "bob" in empty.saved  # filled again from the database


def test_a_report_still_counts_when_the_cache_and_the_panels_are_down() -> None:
    service, repo = registrations(FakeCache(up=False), live=None)
    service.report(RegistrationReport("e1", "carol", 1.0, (contact("sip:carol@1", 60),)))
    assert repo.registrations["carol"].contacts
    assert service.registered_users() == frozenset({"carol"})
