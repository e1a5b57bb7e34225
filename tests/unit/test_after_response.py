"""Work left for after the response, and live events sent as one batch (hand-written fakes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from callcenter.services.after_response import after_response, collecting, run_all
from callcenter.services.live_ports import LiveMessage
from callcenter.services.routing_events import RoutingEvents
from callcenter.web.after_response import AfterResponseMiddleware


def test_work_runs_at_once_when_nothing_collects_it() -> None:
    done: list[str] = []
    after_response(lambda: done.append("now"))
    assert done == ["now"]


def test_collected_work_waits_for_run_all_and_a_failure_does_not_stop_the_rest() -> None:
    done: list[str] = []

    def broken() -> None:
        raise RuntimeError("the database went away")

    with collecting() as pending:
        after_response(lambda: done.append("first"))
        after_response(broken)
        after_response(lambda: done.append("third"))
    after_response(lambda: done.append("outside"))  # the scope is closed: at once again
    assert done == ["outside"]
    run_all(pending)
    assert done == ["outside", "first", "third"] and pending == []


class Body:
    """A WSGI body that notes when it is iterated and closed."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def __iter__(self) -> Iterator[bytes]:
        self.log.append("body sent")
        yield b"{}"

    def close(self) -> None:
        self.log.append("body closed")


def test_the_middleware_runs_the_work_once_the_server_closes_the_body() -> None:
    log: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        after_response(lambda: log.append("bookkeeping"))
        return Body(log)

    body = AfterResponseMiddleware(app)({}, lambda status, headers: None)
    assert log == []
    assert b"".join(body) == b"{}"
    body.close()  # type: ignore[attr-defined]
    assert log == ["body sent", "body closed", "bookkeeping"]


def test_the_middleware_leaves_a_body_without_work_alone() -> None:
    log: list[str] = []
    body = Body(log)
    assert AfterResponseMiddleware(lambda environ, start: body)({}, lambda *a: None) is body


class OneByOne:
    """A LivePublisher without batches."""

    def __init__(self) -> None:
        self.sent: list[tuple[int | None, str]] = []

    def to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> str | None:
        self.sent.append((agent_id, kind))
        return "1-0"

    def to_supervisors(self, kind: str, data: dict[str, Any]) -> str | None:
        self.sent.append((None, kind))
        return "1-0"


class Batches(OneByOne):
    """A LivePublisher that takes a whole batch at once."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[LiveMessage]] = []

    def publish_many(self, messages: Sequence[LiveMessage]) -> None:
        self.batches.append(list(messages))


VIEW = {"agent_id": 7, "status": "ringing", "reason": None, "since": "2026-11-26T09:00:00+00:00",
        "until": None, "call_id": "c1", "username": "marie"}


def test_a_batch_goes_out_in_one_call_in_the_order_given() -> None:
    live = Batches()
    with RoutingEvents(lambda: live).batch() as batch:
        batch.screen_pop([7, 8], {"call_id": "c1"})
        batch.presence([VIEW])
        batch.queue([])
    assert live.sent == []
    [messages] = live.batches
    assert [(m.agent_id, m.kind) for m in messages] == [
        (7, "screen_pop"), (8, "screen_pop"), (7, "presence"), (None, "agent_state"), (None, "queue")]
    fields = ("agent_id", "status", "reason", "since", "until", "call_id")
    assert messages[2].data == {k: VIEW[k] for k in fields}
    assert messages[3].data == {"agents": [VIEW]}


def test_the_supervisors_get_one_entry_for_all_the_agents_a_step_changed() -> None:
    live = Batches()
    other = VIEW | {"agent_id": 8}
    with RoutingEvents(lambda: live).batch() as batch:
        batch.presence([VIEW, other])
        batch.presence([])  # no change: no entry
    [messages] = live.batches
    assert [(m.agent_id, m.kind) for m in messages] == [
        (7, "presence"), (8, "presence"), (None, "agent_state")]
    assert messages[2].data == {"agents": [VIEW, other]}


def test_a_publisher_without_batches_gets_the_events_one_by_one_and_nothing_when_the_block_fails() -> None:
    live = OneByOne()
    events = RoutingEvents(lambda: live)
    events.call_ended([7], "c1", "normalClearing", "answered")
    try:
        with events.batch() as batch:
            batch.call_stats({"answered": 1})
            raise RuntimeError("reading the queue failed")
    except RuntimeError:
        pass
    assert live.sent == [(7, "call_ended")]


def test_a_worker_wraps_the_app_and_puts_what_it_built_out_of_the_collector_s_reach() -> None:
    import gc

    from callcenter.web.server import WebServer

    class App:
        def wsgi_app(self, environ: Any, start_response: Any) -> Iterable[bytes]:
            return [b""]

    built: list[App] = []
    server = WebServer(lambda: built.append(App()) or built[-1], "127.0.0.1", 0, threads=1, workers=1)
    gc.unfreeze()
    try:
        app = server._app.load()  # what each gunicorn worker does after the fork
        assert app is built[0] and isinstance(app.wsgi_app, AfterResponseMiddleware)
        assert gc.get_freeze_count() > 0  # a full collection no longer scans the app's objects
    finally:
        gc.unfreeze()
