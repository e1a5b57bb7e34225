"""Experts' agendas on a real database: iCalendar import from a file and a loopback URL, availability."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callcenter.bootstrap import Services, build_services
from callcenter.domain.agenda import ABSENCE, AVAILABLE, ICAL
from callcenter.domain.agenda_feeds import AgendaFeedUnreadable
from callcenter.domain.errors import NotFound, RuleViolation
from callcenter.domain.topics import NoSuchTopic
from callcenter.services.clock import FixedClock
from tests.integration.agenda_fixtures import FEED, FEED_SPANS, NOW, add_topic, add_user, serve_calendars

BRUSSELS = ZoneInfo("Europe/Brussels")


def local(at: datetime) -> str:
    return at.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M")


def at_local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


@pytest.fixture
def services(make_settings: Any, database_url: str) -> Iterator[Services]:
    built = build_services(make_settings(database_url=database_url), clock=FixedClock(NOW), no_redis=True)
    yield built
    built.close()


@pytest.fixture
def feed_file(tmp_path: Path) -> Path:
    path = tmp_path / "alice.ics"
    path.write_text(FEED, encoding="utf-8")
    return path


def spans(services: Services, username: str) -> set[tuple[str, str]]:
    entries = services.agendas.entries(username, NOW - timedelta(hours=10), NOW + timedelta(days=60))
    return {(local(e.interval.start), local(e.interval.end)) for e in entries}


def test_import_from_a_file_reads_busy_periods(services: Services, feed_file: Path) -> None:
    add_user(services, "alice")
    report = services.agendas.import_feed("alice", str(feed_file))
    assert (report.added, report.changed, report.removed) == (7, 0, 0)
    assert report.url == str(feed_file.resolve())
    assert spans(services, "alice") == FEED_SPANS
    entries = services.agendas.entries("alice", NOW, NOW + timedelta(days=60))
    assert {e.kind for e in entries} == {ABSENCE} and {e.source for e in entries} == {ICAL}
    summaries = {local(e.interval.start): e.summary for e in entries}
    assert summaries["2026-12-01T09:30"] == "Réunion d'équipe"
    assert summaries["2026-12-01T16:00"] == ""  # CLASS:PRIVATE keeps only the busy time


def test_reimport_updates_in_place_instead_of_duplicating(services: Services, feed_file: Path) -> None:
    add_user(services, "alice")
    first = services.agendas.import_feed("alice", str(feed_file))
    again = services.agendas.import_feed("alice", f"file://{feed_file}")  # the same feed, as a URL
    assert (again.feed_id, again.added, again.changed, again.removed, again.unchanged) == (
        first.feed_id, 0, 0, 0, 7)
    edited = FEED.replace("20261201T110000", "20261201T103000").replace("UID:utc-1", "UID:utc-2")
    feed_file.write_text(edited, encoding="utf-8")
    report = services.agendas.import_feed("alice", str(feed_file))
    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 5)
    assert ("2026-12-01T09:30", "2026-12-01T10:30") in spans(services, "alice")
    assert len(spans(services, "alice")) == 7


def test_import_from_a_loopback_url_and_refresh(services: Services) -> None:
    add_user(services, "bob")
    files: dict[str, bytes | int] = {"/bob.ics": FEED.encode()}
    with serve_calendars(files) as base:
        with pytest.raises(AgendaFeedUnreadable, match="HTTP 404"):
            services.agendas.import_feed("bob", f"{base}/missing.ics")
        assert services.agendas.import_feed("bob", f"{base}/bob.ics").added == 7
        files["/bob.ics"] = FEED.replace("UID:floating-1", "UID:floating-2").replace(
            "20261204T090000", "20261204T080000").encode()
        [ok] = services.agendas.refresh_feeds()  # the 404 was never followed
        assert ok.error is None and ok.report is not None and (ok.report.added, ok.report.removed) == (1, 1)
        files["/bob.ics"] = 500
        [failed] = services.agendas.refresh_feeds()
    assert failed.error is not None and "HTTP 500" in failed.error
    assert ("2026-12-04T08:00", "2026-12-04T10:00") in spans(services, "bob")  # kept despite the failure
    assert len(spans(services, "bob")) == 7


def test_unreadable_feeds_store_nothing(services: Services, tmp_path: Path) -> None:
    add_user(services, "alice")
    bad = tmp_path / "bad.ics"
    bad.write_text("this is not a calendar", encoding="utf-8")
    with pytest.raises(AgendaFeedUnreadable):
        services.agendas.import_feed("alice", str(bad))
    with pytest.raises(AgendaFeedUnreadable, match="cannot be read"):
        services.agendas.import_feed("alice", str(tmp_path / "missing.ics"))
    with pytest.raises(AgendaFeedUnreadable, match="ftp"):
        services.agendas.import_feed("alice", "ftp://example.org/a.ics")
    assert services.agendas.refresh_feeds() == []


def test_available_experts_now_and_today(services: Services, feed_file: Path) -> None:
    for name in ("alice", "bob", "carol", "dave"):
        add_user(services, name)
    add_user(services, "erin", active=False)
    add_topic(services, "ris")
    add_topic(services, "gpmi")
    for name in ("alice", "bob", "carol", "erin"):
        services.agendas.set_competences(name, ["ris"])
    services.agendas.set_competences("dave", ["gpmi"])
    services.agendas.import_feed("alice", str(feed_file))
    services.agendas.add_entry("bob", AVAILABLE, at_local("2026-12-01T13:00"), at_local("2026-12-01T15:00"))
    experts = services.agendas.available_experts("ris")
    assert [e.username for e in experts] == ["carol", "alice", "bob"]
    carol, alice, bob = (e.availability for e in experts)
    assert carol.available_now and local(carol.next_free_at) == "2026-12-01T10:00"
    assert [(local(i.start), local(i.end)) for i in carol.free_today] == [
        ("2026-12-01T10:00", "2026-12-01T12:30"), ("2026-12-01T13:00", "2026-12-01T16:30")]
    assert not alice.available_now and local(alice.next_free_at) == "2026-12-01T11:00"
    assert [(local(i.start), local(i.end)) for i in alice.busy_today] == [
        ("2026-12-01T09:30", "2026-12-01T11:00"), ("2026-12-01T16:00", "2026-12-01T16:30")]
    assert [(local(i.start), local(i.end)) for i in alice.free_today][-1] == (
        "2026-12-01T13:00", "2026-12-01T16:00")
    assert not bob.available_now and local(bob.next_free_at) == "2026-12-01T13:00"
    on_leave = services.agendas.available_experts("ris", at_local("2026-12-03T10:00"))
    assert [e.username for e in on_leave][-1] == "alice" and not on_leave[-1].availability.free_today


def test_manual_entries_and_their_rules(services: Services, feed_file: Path) -> None:
    add_user(services, "alice")
    entry = services.agendas.add_entry("alice", ABSENCE, at_local("2026-12-02T09:00"),
                                       at_local("2026-12-02T12:00"), "  Dentiste  ")
    assert entry.summary == "Dentiste" and entry.source == "manual"
    services.agendas.import_feed("alice", str(feed_file))
    upcoming = services.agendas.entries("alice", NOW, NOW + timedelta(days=2))
    imported = [e for e in upcoming if e.source == ICAL]
    with pytest.raises(RuleViolation):
        services.agendas.remove_entry(imported[0].id)
    assert services.agendas.remove_entry(entry.id).id == entry.id
    with pytest.raises(NotFound):
        services.agendas.remove_entry(entry.id)
    with pytest.raises(NotFound):
        services.agendas.add_entry("nobody", ABSENCE, NOW, NOW + timedelta(hours=1))
    with pytest.raises(NoSuchTopic):
        services.agendas.set_competences("alice", ["unknown-topic"])
    with pytest.raises(NoSuchTopic):
        services.agendas.available_experts("unknown-topic")
