"""The call lifecycle (services.call_lifecycle): what telephony drives and what supervisors read.

- ``route(RouteRequest) -> dict``: the CTI decision: ``{"action": "ring", "targets": [{"agent",
  "agent_id", "uri", "ring_via"}], "timeout_s", "round", "language"}``, ``{"action": "wait",
  "retry_after_s"}`` or ``{"action": "announce", "announcement": "closed" | "busy", "language", …}``.
- ``handle_event(CallEvent) -> dict``: newCall, ringing, answer, hangup; in any order.
- ``record(call_id) -> dict``: the call's CRM record with its legs (GET /api/v1/calls/<call_id>).
- ``waiting() -> list[dict]``: callers in the queue, oldest first, with how long they have waited.
- ``routing_health() -> dict``: whether routing runs on Redis or, degraded, on the database.

Each request or event is processed once per id: its id is claimed in the database before any Redis work
(a new call's route on PostgreSQL: in the statement that records the call), and the answer is stored
with the rest of its effects, so a repeat gets the original answer — from any node, with or without
Redis. The screen-pops go out as soon as the shared state holds the decision, before the effects are
written. The effects (legs, presence and its log, the routing row, the answer kept for repeats, webhook
events) and the agents' live updates are done before the answer: the next event of the call may come at
once, to another node. One exception, the first route of a call that rang agents under the production
server (PostgreSQL, Redis answering): the call's row is locked, the answer goes out, and the screen-pops
(built then, from the CRM) and the effects follow in the transaction holding that lock; the call's next
event reads the row locked first, so it waits for them (a route decision waits neither for the caller's
history nor for fifty agents' bookkeeping). The supervisors' snapshots (queue, the day's figures) are
read and sent after the answer, at most once per ``supervisor_refresh_s`` by one thread of the process
(services.supervisor_snapshots), or with a refresh of 0 once the response is sent under the production
server (services.after_response), and at once anywhere else.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from callcenter.domain.call_events import CallEvent, RouteRequest, clean_event, clean_route_request
from callcenter.domain.call_records import CallRecord
from callcenter.domain.calls import NoSuchCall
from callcenter.domain.errors import Conflict
from callcenter.domain.routing import RoutingPolicy
from callcenter.services.after_response import after_response, will_run_later
from callcenter.services.call_effects import Effects, answer_leg, write_effects
from callcenter.services.call_event_handler import CallEventHandler
from callcenter.services.call_router import CallRouter
from callcenter.services.call_stats import CallStats
from callcenter.services.call_views import record_dict
from callcenter.services.call_webhooks import call_event_types, call_webhook_events
from callcenter.services.ports import Clock
from callcenter.services.presence import PresenceService
from callcenter.services.routing_events import RoutingEvents
from callcenter.services.routing_failover import FailoverRoutingStore
from callcenter.services.routing_ports import JsonDict, RoutingUnitOfWork, RoutingUowFactory, SnapshotOnTheWay
from callcenter.services.routing_records import routing_rows
from callcenter.services.supervisor_snapshots import SnapshotSender
from callcenter.services.webhook_ports import NO_OUTBOUND_EVENTS, OutboundEvents

log = logging.getLogger(__name__)

P = TypeVar("P")
REPEAT_WAIT_S = 3.0  # a repeat arriving while the original is processed waits this long for its answer
REPEAT_POLL_S = 0.05
TAKE_OVER_AFTER = timedelta(seconds=30)  # a claim without answer this old belongs to a process that died
KEEP_REQUESTS = timedelta(days=2)


class RequestInProgress(Conflict):
    """The same request id is being processed right now; send it again in a moment (HTTP 409)."""

    code = "request-in-progress"


class CallLifecycle:
    def __init__(self, uow: RoutingUowFactory, clock: Clock, store: FailoverRoutingStore, router: CallRouter,
                 handler: CallEventHandler, presence: PresenceService, events: RoutingEvents,
                 stats: CallStats, policy: RoutingPolicy, *,
                 sleep: Callable[[float], None] = time.sleep,
                 outbound: OutboundEvents = NO_OUTBOUND_EVENTS, supervisor_refresh_s: float = 0.0,
                 autocommit_uow: RoutingUowFactory | None = None) -> None:
        """``autocommit_uow``: units of work whose statements each commit on their own, for the steps
        whose writes need no transaction (without it, every step writes in one)."""
        self._uow = uow
        self._autocommit_uow = autocommit_uow or uow
        self._clock = clock
        self._store = store
        self._router = router
        self._handler = handler
        self._presence = presence
        self._events = events
        self._stats = stats
        self._policy = policy
        self._sleep = sleep
        self._outbound = outbound
        self._snapshots = SnapshotSender(self._send_snapshots, supervisor_refresh_s)

    def route(self, req: RouteRequest) -> JsonDict:
        """Decide where the call rings now (see the module docstring for the answers)."""
        req = clean_route_request(req)
        ahead: list[SnapshotOnTheWay] = []

        def new_call(uow: RoutingUnitOfWork, now: datetime) -> CallRecord | None:
            # Sent before the statement that claims the request and records the call: the shared state's
            # reply travels meanwhile, and a new call is then planned on it at once.
            fresh = self._router.new_call(uow, req, now)
            sent = self._router.read_ahead(req, fresh, now) if fresh is not None else None
            if sent is not None:
                ahead.append(sent)
            return fresh

        def process(record: CallRecord, now: datetime) -> tuple[JsonDict, Effects]:
            return self._router.route(req, record, now, ahead=ahead.pop() if ahead else None)

        try:
            return self._once("route", req.request_id, req.call_id,
                              lambda uow, now, absent: self._router.prepare(uow, req, now, absent=absent),
                              process,
                              peek=lambda stored, now: self._router.peek(stored, req, now),
                              before_prepare=lambda: self._router.warm(req.from_number),
                              new_call=new_call)
        finally:
            for sent in ahead:  # not used: the request was a repeat, or failed before deciding
                sent.discard()

    def handle_event(self, event: CallEvent) -> JsonDict:
        """Take a call event into account once; a repeated event_id gets the first answer."""
        event = clean_event(event)
        return self._once("event", event.event_id, event.call_id,
                          lambda uow, now, _: self._handler.prepare(uow, event, now),
                          lambda prepared, now: self._handler.handle(event, prepared, now))

    def record(self, call_id: str) -> JsonDict:
        """Return the CRM record of a call with its legs, or raise NoSuchCall."""
        with self._uow() as uow:
            record = uow.call_records.get(str(call_id))
            legs = uow.call_records.legs(str(call_id)) if record is not None else []
        if record is None:
            raise NoSuchCall(f"There is no call {call_id!r}.")
        return record_dict(record, legs)

    def waiting(self) -> list[JsonDict]:
        """Return the callers in the queue, oldest first: call id, caller, language, since, waited, state."""
        now = self._clock.now()
        snapshot = self._store.snapshot(now - timedelta(seconds=self._policy.stale_after_s), now)
        calls = sorted(snapshot.calls.values(), key=lambda c: (c.arrived, c.call_id))
        return [{"call_id": c.call_id, "caller": c.caller, "language": c.language,
                 "since": c.arrived.isoformat(),
                 "waited_s": int((now - c.arrived).total_seconds()),
                 "state": "ringing" if c.ringing_at(now) else "waiting", "round": c.round,
                 "ringing": list(c.targets) if c.ringing_at(now) else []} for c in calls]

    def routing_health(self) -> dict[str, Any]:
        """Say whether routing runs on Redis, or on the database's last known presence (degraded)."""
        return self._store.health()

    def prune_requests(self) -> int:
        """Forget the ids of requests answered long ago (repeats are only accepted for 300 s)."""
        with self._uow() as uow:
            removed = uow.cti_requests.prune(self._clock.now() - KEEP_REQUESTS)
            uow.commit()
        return removed

    def _once(self, kind: str, key: str, call_id: str,
              prepare: Callable[[RoutingUnitOfWork, datetime, bool], P],
              process: Callable[[P, datetime], tuple[JsonDict, Effects]],
              peek: Callable[[CallRecord | None, datetime], P | None] | None = None,
              before_prepare: Callable[[], None] = lambda: None,
              new_call: Callable[[RoutingUnitOfWork, datetime], CallRecord | None] | None = None) -> JsonDict:
        """Claim the request id, prepare, process, write the effects with the answer kept for repeats.

        The claim stands alone. With ``peek``, the call's record is read with the claim, and a step
        that writes nothing before deciding (``peek`` gives what it prepares from that record: a waiting
        caller's next route) goes on without a transaction; the others prepare in one, after
        ``before_prepare`` (reads that should not hold the transaction open), told whether the read
        found no such call (a new call: recorded at once, without reading it again). ``new_call`` gives
        the record of the call as it would be if new, where one statement can claim and record it: the
        claim then records it too when it is new and the call unknown, and no transaction is opened at
        all (it prepares nothing: its lookup may not run on the main pool's connections). One connection
        at a time: the autocommit one is given back before a transaction opens.
        """
        now = self._clock.now()
        mine, prepared, recorded_now = False, None, False
        try:
            with self._autocommit_uow() as uow:
                fresh = new_call(uow, now) if new_call is not None else None
                claim = uow.cti_requests.claim(kind, key, now, call_id=call_id if peek is not None else None,
                                               new_call=fresh)
                mine = claim.new or self._stale_claim(uow, kind, key, claim.response, claim.received_at, now)
            if mine and claim.recorded:
                prepared, recorded_now = cast(P, fresh), True
            elif mine and peek is not None:
                prepared = peek(claim.call, now)
            if mine and prepared is None:
                before_prepare()
                absent = peek is not None and claim.call is None
                with self._uow() as uow:
                    prepared = prepare(uow, now, absent)
                    uow.commit()
        except BaseException:
            if mine:
                self._release(kind, key)  # claimed but not prepared: a repeat starts afresh
            raise
        if not mine:
            return claim.response if claim.response is not None else self._answer_of_repeat(kind, key)
        try:
            response, effects = process(cast(P, prepared), now)
        except BaseException:
            self._release(kind, key)
            raise
        if recorded_now and self._defers(effects):
            # A call recorded a moment ago in one statement, rung while Redis answers: its row is locked,
            # the answer goes out, then the screen-pops and the step's writes, in the transaction holding
            # the lock. The call's next event (telephony may send it at once, to another node) reads that
            # row locked before doing anything, so it waits for these writes as if they had come first.
            held = ExitStack()
            uow = held.enter_context(self._uow())
            try:
                uow.call_records.hold(call_id)
            except BaseException:
                held.close()
                self._release(kind, key)
                raise
            after_response(functools.partial(self._write_held, held, uow, kind, key, call_id, response,
                                             effects, now))
        else:
            self._pop(effects)  # the shared state holds the decision: the rung agents see the caller at once
            self._write(kind, key, call_id, response, effects, now)
        for state in effects.wrap_ups:  # once the wrap-up is stored
            self._presence.schedule_wrap_up_end(state)
        if effects.queue_changed or effects.stats_changed:  # snapshots, read when sent: order-free
            after_response(functools.partial(self._tell_supervisors, effects))
        return response

    def _defers(self, effects: Effects) -> bool:
        """Tell whether a new call's step may write its effects after its answer: it rang agents, the
        answer is sent before work left for later (the production server), and Redis answers (the
        live updates then go out inside the transaction, before the lock is released)."""
        return (not effects.only_calls_routing() and will_run_later() and self._store.on_shared_state)

    def _write(self, kind: str, key: str, call_id: str, response: JsonDict, effects: Effects,
               now: datetime) -> None:
        """Write the step's effects with its answer, and publish its live updates."""
        # Telephony's next event for the call (a hang-up a moment later, maybe on another node) must find
        # this step's legs, presence and routing row written, and its events sent. The live updates go
        # out while the database runs a transaction's writes when Redis answered the last time, else
        # after the commit (a publish timing out must not hold the rows the step locked).
        if effects.only_calls_routing():
            # A waiting caller's next step only refreshes its routing row and stores the answer: both go
            # in one statement where the database allows, else as two that stand alone (a loss between
            # them makes a repeat decide the wait again); no BEGIN and COMMIT round trips.
            with self._autocommit_uow() as uow:
                uow.cti_requests.answer(kind, key, response, routing=routing_rows(effects.changes))
            self._publish(call_id, effects)
            return
        meanwhile = self._store.on_shared_state
        with self._uow() as uow:
            self._write_in(uow, kind, key, call_id, response, effects, now, publish=meanwhile)
            uow.commit()
        if not meanwhile:
            self._publish(call_id, effects)

    def _write_held(self, held: ExitStack, uow: RoutingUnitOfWork, kind: str, key: str, call_id: str,
                    response: JsonDict, effects: Effects, now: datetime) -> None:
        """Pop, then write a step's effects in the transaction holding its call's row, once its answer
        is sent."""
        self._pop(effects)
        try:
            with held:  # a failure rolls back and gives the connection (and the lock) back
                self._write_in(uow, kind, key, call_id, response, effects, now, publish=True)
                uow.commit()
        except Exception:
            # The answer is out and the shared state holds the decision; the call's record stands and its
            # next events add the legs they find missing. A repeat of the request decides afresh.
            log.exception("the effects of %s %s (call %s) were not written", kind, key, call_id)
            self._release(kind, key)

    def _write_in(self, uow: RoutingUnitOfWork, kind: str, key: str, call_id: str, response: JsonDict,
                  effects: Effects, now: datetime, *, publish: bool) -> None:
        # The writes nothing reads back go out together (PostgreSQL: at once, run by the server
        # meanwhile; their outcome read when the block ends).
        with uow.batched():
            write_effects(uow, call_id, effects, now)
            uow.cti_requests.answer(kind, key, response)
            if publish:
                self._publish(call_id, effects)
        answer_leg(uow, call_id, effects, now)
        # Stored with the step, sent by a worker after the commit: receivers never hold a call.
        # The call is read for them only when some subscription wants one of them.
        self._outbound.emit_if_wanted(uow, call_event_types(effects),
                                      functools.partial(call_webhook_events, uow, call_id, effects))

    def _stale_claim(self, uow: RoutingUnitOfWork, kind: str, key: str, response: JsonDict | None,
                     received_at: datetime | None, now: datetime) -> bool:
        if response is not None or received_at is None or received_at > now - TAKE_OVER_AFTER:
            return False
        return uow.cti_requests.take_over(kind, key, now, now - TAKE_OVER_AFTER)

    def _answer_of_repeat(self, kind: str, key: str) -> JsonDict:
        for _ in range(int(REPEAT_WAIT_S / REPEAT_POLL_S)):
            self._sleep(REPEAT_POLL_S)
            with self._uow() as uow:
                found = uow.cti_requests.find(kind, key)
            if found is not None and found.response is not None:
                return found.response
        raise RequestInProgress(f"The {kind} {key!r} is being processed; send it again in a moment.")

    def _release(self, kind: str, key: str) -> None:
        with self._uow() as uow:
            uow.cti_requests.release(kind, key)
            uow.commit()

    def _pop(self, effects: Effects) -> None:
        """Send the screen-pops, each built now, with the agents' new presence (then _publish leaves it
        out). One round trip, and each rung panel's stream wakes once for both: fifty streams woken twice
        a few milliseconds apart delayed the last pops. A pop that cannot be built (the CRM failing) is
        logged and left out: the call rings all the same, and the panel can look the caller up again."""
        if not effects.pops:
            return
        with self._events.batch() as batch:
            for pop in effects.pops:
                try:
                    payload = pop.payload()
                except Exception:
                    log.exception("the screen-pop of %s agents was not built", len(pop.agents))
                    continue
                batch.screen_pop(pop.agents, payload)
            batch.presence(self._presence.views(effects.changes))

    def _publish(self, call_id: str, effects: Effects) -> None:
        """Send the step's live updates but the screen-pops, after _pop (which sent the agents' new
        presence with the pops, if there were any)."""
        with self._events.batch() as batch:  # what the agents see, in one round trip
            if not effects.pops:
                batch.presence(self._presence.views(effects.changes))
            if effects.answered is not None:
                batch.call_answered(effects.answered[0], call_id, effects.answered[1])
            if effects.ended is not None:
                batch.call_ended(effects.ended[0], call_id, effects.ended[1], effects.ended[2])

    def close(self) -> None:
        """Stop the thread sending the supervisors' snapshots (at shutdown, before fork)."""
        self._snapshots.close()

    def _tell_supervisors(self, effects: Effects) -> None:
        """Have the queue and the day's figures sent as they are now (services.supervisor_snapshots)."""
        self._snapshots.changed(effects.queue_changed, effects.stats_changed)

    def _send_snapshots(self, queue: bool, stats: bool) -> None:
        with self._events.batch() as batch:
            if queue:
                batch.queue(self.waiting())
            if stats:
                batch.call_stats(self._stats.today())
