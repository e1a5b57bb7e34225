"""The outbox against a real SMTP server on loopback (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.bootstrap import Services, build_services
from callcenter.domain.outbox import DEAD, FAILED, SENT, OutgoingEmail
from callcenter.services.clock import FixedClock
from tests.integration.smtp_fixtures import SmtpServer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MAIL_FROM = "Front office SPP IS <question@mi-is.be>"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_services(make_settings: Any, database_url: str, smtp: SmtpServer) -> Iterator[Any]:
    built: list[Services] = []

    def make(clock: FixedClock, **overrides: Any) -> Services:
        settings = make_settings(database_url=database_url, smtp_port=smtp.port, smtp_timeout_s=5.0,
                                 mail_from=MAIL_FROM, **overrides)
        services = build_services(settings, clock=clock, no_redis=True)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


def reply(to: str = "citoyen@example.be", n: int = 1) -> OutgoingEmail:
    return OutgoingEmail(
        kind="reply", to_address=to, language="fr", registration_number="2026/00042",
        subject=f"Réponse à votre question n° 2026/00042 — délai {n}",
        body_text="Madame, Monsieur,\n\nVoici la réponse à votre question (coût : 0 €).\nCordialement.\n",
        body_html="<p>Madame, Monsieur,</p><p>Voici la réponse (coût&nbsp;: 0&nbsp;€).</p>")


def test_delivers_utf8_mail_with_stable_headers(make_services: Any, smtp: SmtpServer) -> None:
    clock = FixedClock(NOW)
    services = make_services(clock)
    queued = services.outbox.queue_email(reply())
    report = services.outbox.deliver_due()
    assert (report.sent, report.retrying, report.dead) == (1, 0, 0)
    [received] = smtp.handler.received
    assert received["Subject"] == "Réponse à votre question n° 2026/00042 — délai 1"
    assert received["Message-ID"] == queued.message_id
    assert received["From"] == MAIL_FROM and received["To"] == "citoyen@example.be"
    assert received["Date"].datetime == NOW and received["Content-Language"] == "fr"
    text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert text == reply().body_text
    assert "0&nbsp;€" in received.get_body(("html",)).get_content()
    [stored] = services.outbox.list_messages(SENT)
    assert stored.sent_at == NOW and stored.attempts == 1
    assert services.outbox.deliver_due().sent == 0  # sent once, not again


def test_mail_commits_with_the_callers_transaction(make_services: Any, smtp: SmtpServer) -> None:
    services = make_services(FixedClock(NOW))
    with services.uow() as uow:
        services.outbox.add_to(uow, reply(n=1))  # e.g. a question event failed after this: no commit
    with services.uow() as uow:
        message = services.outbox.add_to(uow, reply(n=2))
        uow.commit()
    services.outbox.enqueue_delivery(message)  # no job queue here: the periodic sweep delivers
    assert [m.email.subject[-7:] for m in services.outbox.list_messages()] == ["délai 2"]
    services.outbox.deliver_due()
    assert smtp.handler.message_ids() == [message.message_id]


def test_server_trouble_is_retried_with_backoff_and_delivered_once(make_services: Any,
                                                                   smtp: SmtpServer) -> None:
    clock = FixedClock(NOW)
    services = make_services(clock)
    first, second = services.outbox.queue_email(reply(n=1)), services.outbox.queue_email(reply(n=2))
    smtp.handler.data_reply = "451 4.3.0 Mailbox temporarily unavailable"
    assert services.outbox.deliver_due().retrying == 2
    failed = services.outbox.list_messages(FAILED)
    assert {m.next_attempt_at for m in failed} == {NOW + timedelta(minutes=1)}
    assert all("451" in (m.last_error or "") for m in failed)
    assert services.outbox.deliver_due().retrying == 0  # nothing due before the backoff ends
    smtp.stop()  # the server goes away entirely
    clock.set(NOW + timedelta(minutes=1))
    assert services.outbox.deliver_due().retrying == 2
    assert {m.next_attempt_at for m in services.outbox.list_messages(FAILED)} == {NOW + timedelta(minutes=3)}
    smtp.handler.data_reply = None
    smtp.start()
    clock.set(NOW + timedelta(minutes=3))
    assert services.outbox.deliver_due().sent == 2
    assert sorted(smtp.handler.message_ids()) == sorted([first.message_id, second.message_id])
    assert [m.attempts for m in services.outbox.list_messages(SENT)] == [3, 3]


def test_max_attempts_make_mail_dead_and_retry_revives_it(make_services: Any, smtp: SmtpServer) -> None:
    clock = FixedClock(NOW)
    services = make_services(clock, outbox_max_attempts=2)
    message = services.outbox.queue_email(reply())
    smtp.handler.data_reply = "452 4.2.2 Mailbox full"
    services.outbox.deliver_due()
    clock.set(NOW + timedelta(minutes=1))
    assert services.outbox.deliver_due().dead == 1
    clock.set(NOW + timedelta(days=1))
    assert services.outbox.deliver_due().dead == 0  # dead mail stays put, visible
    [dead] = services.outbox.list_messages(DEAD)
    assert (dead.id, dead.attempts) == (message.id, 2) and "452" in (dead.last_error or "")
    smtp.handler.data_reply = None
    services.outbox.retry(message.id)
    assert services.outbox.deliver_due().sent == 1
    assert smtp.handler.message_ids() == [message.message_id]


def test_a_refused_recipient_is_dead_at_once(make_services: Any, smtp: SmtpServer) -> None:
    services = make_services(FixedClock(NOW))
    services.outbox.queue_email(reply(to="nobody@example.be"))
    smtp.handler.rcpt_reply = "550 5.1.1 No such user"
    assert services.outbox.deliver_due().dead == 1
    [dead] = services.outbox.list_messages(DEAD)
    assert dead.attempts == 1 and "550" in (dead.last_error or "")


def test_a_worker_dying_after_sending_leads_to_a_resend_with_the_same_message_id(
        make_services: Any, smtp: SmtpServer) -> None:
    from callcenter.mail_smtp import SmtpMailSender

    clock = FixedClock(NOW)
    services = make_services(clock)
    message = services.outbox.queue_email(reply())
    with services.uow() as uow:  # what a worker does before it dies: claim, then send
        claimed = uow.outbox.claim_next_due(NOW, NOW + timedelta(minutes=10))
        uow.commit()
    SmtpMailSender.from_settings(services.settings).send(claimed)
    clock.set(NOW + timedelta(minutes=5))
    assert services.outbox.deliver_due().sent == 0  # the dead worker's lease still runs
    clock.set(NOW + timedelta(minutes=10))
    assert services.outbox.deliver_due().sent == 1
    assert smtp.handler.message_ids() == [message.message_id, message.message_id]


def test_two_deliverers_at_once_send_each_message_once(make_services: Any, smtp: SmtpServer) -> None:
    clock = FixedClock(NOW)
    first, second = make_services(clock), make_services(clock)
    queued = [first.outbox.queue_email(reply(n=n)) for n in range(40)]
    reports: list[Any] = []
    start = threading.Barrier(2)

    def run(services: Services) -> None:
        start.wait(timeout=10)
        reports.append(services.outbox.deliver_due())

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in reports) == 40
    assert all(r.sent > 0 for r in reports)  # both really worked at the same time
    assert sorted(smtp.handler.message_ids()) == sorted(m.message_id for m in queued)
    assert len(first.outbox.list_messages(SENT, limit=100)) == 40


def test_the_job_task_delivers_through_the_worker_services(make_services: Any, smtp: SmtpServer) -> None:
    from callcenter.jobs import runtime
    from callcenter.jobs.outbox_tasks import deliver_outbox

    services = make_services(FixedClock(NOW))
    services.outbox.queue_email(reply())
    runtime.set_services(services)
    try:
        assert deliver_outbox() == {"sent": 1, "retrying": 0, "dead": 0}
    finally:
        runtime.set_services(None)
