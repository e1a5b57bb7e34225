"""Route requests: record the call, then ring its share of the free agents, make it wait, or announce.

``prepare`` runs inside the request's first transaction: it records the call (before any Redis work,
so the CRM has it whatever fails next) and decides what needs only the record and the calendar —
closed, or busy once the maximum wait has passed. ``route`` then works on the shared state: the call
enters (or stays in) the queue, the free agents are shared among the waiting callers (domain.routing)
and its targets are reserved atomically; if another node took one of them first, it plans again. A call
never routed plans on a snapshot read while it was recorded (``read_ahead``), and enters the queue and
rings in one change.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from callcenter.domain import routing
from callcenter.domain import routing_moves as moves
from callcenter.domain.agents import AgentProfile, RingVia
from callcenter.domain.announcement_speech import TEMPLATES
from callcenter.domain.announcements import busy_text, closed_text
from callcenter.domain.call_events import LegOutcome, RouteRequest
from callcenter.domain.call_records import UNKNOWN, CallRecord, CallRouting, CallState, Leg, announced
from callcenter.domain.calls import Direction
from callcenter.domain.errors import Conflict, DomainError
from callcenter.domain.presence import AgentState
from callcenter.domain.routing import BUSY, CLOSED, PROBE, Candidate, RoutingPolicy
from callcenter.services.agents import AgentService
from callcenter.services.call_effects import Effects, Pop
from callcenter.services.caller_pops import CallerPops, contact_languages, exact_contact
from callcenter.services.routing_ports import (
    Applied,
    CallbackDesk,
    JsonDict,
    OpeningCalendar,
    RoutingSettings,
    RoutingStore,
    RoutingUnitOfWork,
    Snapshot,
    SnapshotOnTheWay,
)
from callcenter.services.sip_ports import RegisteredPhones

log = logging.getLogger(__name__)

PLAN_ATTEMPTS = 3  # another node reserving one of our targets first makes us plan again
ROUTED_REMEMBERED = 10_000  # calls this process was asked to route, to read ahead for new ones only


class CallOver(Conflict):
    """The call was answered or ended already: there is nothing to route (HTTP 409)."""

    code = "call-over"


class CallRouter:
    def __init__(self, store: RoutingStore, agents: AgentService, pops: CallerPops, calendar: OpeningCalendar,
                 callbacks: CallbackDesk, policy: RoutingPolicy, settings: RoutingSettings, *,
                 phones: RegisteredPhones | None = None) -> None:
        self._store = store
        self._agents = agents
        self._pops = pops
        self._calendar = calendar
        self._callbacks = callbacks
        self._policy = policy
        self._settings = settings
        self._phones = phones  # set when our SIP edge tracks registrations: unregistered phones never ring
        self._routed: OrderedDict[str, None] = OrderedDict()  # call ids, the latest last
        self._routed_lock = threading.Lock()

    def prepare(self, uow: RoutingUnitOfWork, req: RouteRequest, now: datetime, *,
                absent: bool = False) -> CallRecord:
        """Record the call (or refresh its record) and decide closed or busy from the record alone.

        ``absent``: the call was not recorded a moment ago (its record is added first; recorded
        meanwhile, it is read as usual)."""
        found = None if absent else uow.call_records.get(req.call_id, for_update=True)
        stored = found or self._first_record(uow, req, now)
        record = self._completed_for_now(stored, req, now)
        # A call recorded just now is stored as it is. A waiting caller's next step changes only when it
        # was last seen: that goes with the routing row written after the decision (the shared state's
        # copy), so nothing is written here.
        if not _only_seen_again(record, stored):
            uow.call_records.save(record)
        return record

    def new_call(self, uow: RoutingUnitOfWork, req: RouteRequest, now: datetime) -> CallRecord | None:
        """Return the record prepare() would add for the call if it is new, to be recorded with the
        request's claim in one statement that stands alone; None when the database cannot (prepare()
        then records it, in a transaction). Reads who is calling (kept for the call's rounds)."""
        if not uow.call_records.adds_in_one_statement():
            return None
        return self._completed_for_now(self._new_record(req, now), req, now)

    def peek(self, stored: CallRecord | None, req: RouteRequest, now: datetime) -> CallRecord | None:
        """Return what prepare() would, from the call's record as read without a lock (None: no such
        call), when prepare() would write nothing; else None (then prepare() runs, in a transaction).
        A waiting caller's next step is such a step."""
        if stored is None:
            return None
        record = self._completed_for_now(stored, req, now)
        return record if _only_seen_again(record, stored) else None

    def _completed_for_now(self, stored: CallRecord, req: RouteRequest, now: datetime) -> CallRecord:
        record = self._completed(stored, req)
        if self._is_probe(record):  # the test-call probe: straight to the announcement endpoint, a test call
            return replace(record, test=True, announced=record.announced or PROBE)
        if record.answered_at is None and record.ended_at is None and record.announced is None:
            return self._overflow(record, now)
        return record

    def read_ahead(self, req: RouteRequest, record: CallRecord, now: datetime) -> SnapshotOnTheWay | None:
        """Ask the shared state for what a new call's route plans on, to travel while the call is recorded.
        Given to route() as ``ahead``. None when the call will not be rung, when the store cannot read
        ahead, or when the call is not new: a later round, or a call this process was asked to route
        already (a caller told to wait asks again every few seconds, in the same round). A call first
        routed by another node is not known here: its next request reads ahead once, for nothing."""
        if req.round > 1 or record.announced is not None or self._routed_before(record.call_id):
            return None
        return self._store.snapshot_ahead(now - self._stale(), now, record.call_id)

    def _routed_before(self, call_id: str) -> bool:
        """Tell whether this process was asked to route the call before; remember that it now was."""
        with self._routed_lock:
            if call_id in self._routed:
                return True
            self._routed[call_id] = None
            if len(self._routed) > ROUTED_REMEMBERED:
                self._routed.popitem(last=False)
            return False

    def route(self, req: RouteRequest, record: CallRecord, now: datetime, *,
              ahead: SnapshotOnTheWay | None = None) -> tuple[JsonDict, Effects]:
        """Decide what the caller hears now, reserving agents in the shared state. ``ahead``: the snapshot
        read_ahead() asked for, used when the call was never routed (and dropped otherwise)."""
        try:
            return self._route(req, record, now, ahead if record.state is CallState.NEW else None)
        finally:
            if ahead is not None:
                ahead.discard()  # read already (nothing happens), or unused: its reply is dropped

    def _route(self, req: RouteRequest, record: CallRecord, now: datetime,
               ahead: SnapshotOnTheWay | None) -> tuple[JsonDict, Effects]:
        if record.answered_at is not None or record.ended_at is not None:
            state = "over" if record.ended_at else "answered"
            raise CallOver(f"The call {record.call_id!r} is already {state}.")
        if record.announced == CLOSED:
            return self._closed(record, now), Effects()
        if record.announced == BUSY:
            return self._busy(record, now)
        if record.announced == PROBE:
            return self._probe(record), Effects()
        snapshot = ahead.result() if ahead is not None else None
        if snapshot is not None:
            return self._enter_and_ring(req, record, snapshot, now)
        return self._ring_or_wait(req, record, now)

    def _is_probe(self, record: CallRecord) -> bool:
        return bool(self._settings.probe_number) and record.to_number == self._settings.probe_number

    def _probe(self, record: CallRecord) -> JsonDict:
        language = record.language or self._settings.default_language
        return {"action": "announce", "announcement": PROBE, "language": language,
                "write_address": self._settings.write_address, "text": TEMPLATES[PROBE][language]}

    def _new_record(self, req: RouteRequest, now: datetime) -> CallRecord:
        pop = self._pops.callers(req.from_number)
        return CallRecord(req.call_id, req.from_number, req.to_number, Direction.INBOUND, now,
                          contact_id=exact_contact(pop), language=self._language(pop, req.to_number),
                          test=req.test, last_seen=now)

    def _first_record(self, uow: RoutingUnitOfWork, req: RouteRequest, now: datetime) -> CallRecord:
        try:
            return uow.call_records.add(self._new_record(req, now))
        except Conflict:  # its newCall was recorded at the same moment
            found = uow.call_records.get(req.call_id, for_update=True)
            assert found is not None
            return found

    def _completed(self, record: CallRecord, req: RouteRequest) -> CallRecord:
        """Fill in what a record first seen through an event lacks (numbers, language, contact)."""
        if record.from_number == UNKNOWN:
            record = replace(record, from_number=req.from_number, to_number=req.to_number)
        if record.language is None:
            pop = self._pops.callers(record.from_number)
            record = replace(record, language=self._language(pop, record.to_number),
                             contact_id=record.contact_id or exact_contact(pop))
        return replace(record, test=record.test or req.test)

    def _overflow(self, record: CallRecord, now: datetime) -> CallRecord:
        if not self._calendar.status(now).open:
            return announced(record, CLOSED, out_of_hours=True)
        if (now - record.started_at).total_seconds() >= self._policy.max_wait_s:
            return announced(record, BUSY)
        return replace(record, last_seen=now)

    def _language(self, pop: JsonDict, dialled: str) -> str:
        return routing.caller_language(contact_languages(pop), dialled, self._settings.service_numbers,
                                       self._settings.default_language)

    def _closed(self, record: CallRecord, now: datetime) -> JsonDict:
        language = record.language or self._settings.default_language
        next_open = self._calendar.status(now).next_open  # in the office's time zone
        return {"action": "announce", "announcement": CLOSED, "language": language,
                "next_open": next_open.isoformat() if next_open else None,
                "write_address": self._settings.write_address,
                "text": closed_text(language, next_open, self._settings.write_address)}

    def _busy(self, record: CallRecord, now: datetime) -> tuple[JsonDict, Effects]:
        effects = Effects(stats_changed=True)
        applied = self._store.change(record.call_id, [],
                                     lambda call, agents: moves.announce(call, agents, now), now)
        effects.add(applied, queue_changed=True)
        if applied.result:
            effects.ended_legs.append((applied.result, LegOutcome.NO_ANSWER))
        language = record.language or self._settings.default_language
        callback = self._callback(record, language)
        return {"action": "announce", "announcement": BUSY, "language": language, "callback": callback,
                "write_address": self._settings.write_address,
                "text": busy_text(language, self._settings.write_address, callback is not None)}, effects

    def _callback(self, record: CallRecord, language: str) -> str | None:
        try:
            return self._callbacks.register_callback(record, language)
        except DomainError as exc:  # e.g. a contact that cannot be called back: the call record stays
            log.warning("missed call %s not turned into a callback: %s", record.call_id, exc.message)
            return None

    def _ring_or_wait(self, req: RouteRequest, record: CallRecord, now: datetime) -> tuple[JsonDict, Effects]:
        effects = Effects()
        fresh = _fresh(record)
        # The state after entering comes back with the change (one round trip less), for the first plan.
        # A call never routed is not in the shared state yet: no need to read it first (were it there,
        # the store would find out, read it and have the move decided again).
        entered = self._store.change(record.call_id, [], lambda call, agents: moves.enter(
            call, fresh, req.round, agents, now), now, snapshot_stale_before=now - self._stale(),
            new_call=record.state is CallState.NEW)
        rung = self._entered(entered, entered.result, record, effects, now)
        if rung is not None:
            return rung, effects
        return self._plan_and_reserve(req, record, entered.result.call, effects, now, entered.snapshot)

    def _enter_and_ring(self, req: RouteRequest, record: CallRecord, snapshot: Snapshot,
                        now: datetime) -> tuple[JsonDict, Effects]:
        """Route a call never routed on a snapshot read while it was recorded: planned as it will be once
        entered, then entered and rung in one change (one round trip where entering, then reserving, are
        two). If a target was taken meanwhile, the call is only entered and plans again on fresh state;
        with nobody to ring, it enters as any call does, and plans on the state that comes back."""
        fresh = _fresh(record)
        planned = moves.enter(None, fresh, req.round, {}, now).result.call  # the call as entering makes it
        decision = self._decide(planned, snapshot, req.round, now)
        if not isinstance(decision, routing.Ring):
            return self._ring_or_wait(req, record, now)
        effects = Effects()
        targets = decision.targets[:req.max_targets] if req.max_targets else decision.targets
        until = now + timedelta(seconds=self._policy.reservation_s())
        applied = self._store.change(record.call_id, targets, functools.partial(
            _enter_and_reserve, fresh=fresh, targets=targets, round_=req.round, now=now, until=until),
            now, on=snapshot, new_call=True)
        entered, reserved = applied.result
        rung = self._entered(applied, entered, record, effects, now, queue_changed=reserved)
        if rung is not None:
            return rung, effects
        if reserved:
            return self._rung(req, record, targets, decision.timeout_s, effects, now), effects
        return self._plan_and_reserve(req, record, entered.call, effects, now)

    def _entered(self, applied: Applied[Any], entered: moves.Entered, record: CallRecord, effects: Effects,
                 now: datetime, *, queue_changed: bool = False) -> JsonDict | None:
        """Take a change that entered the call into ``effects``; return the answer if entering settled it
        (the call rings already in this round), raise CallOver if it is over, else None (plan)."""
        effects.add(applied, queue_changed=queue_changed or entered.joined or bool(entered.released))
        if entered.released:
            effects.ended_legs.append((entered.released, LegOutcome.NO_ANSWER))
        if entered.over:
            raise CallOver(f"The call {record.call_id!r} is already over.")
        if entered.ringing:
            call = entered.call
            left = int(((call.ring_until or now) - now).total_seconds())
            return self._ring(entered.ringing, max(1, left), call.round, record)
        return None

    def _rung(self, req: RouteRequest, record: CallRecord, targets: tuple[int, ...], timeout_s: int,
              effects: Effects, now: datetime) -> JsonDict:
        """Note the legs and screen-pops of targets just reserved; return the answer that rings them."""
        effects.new_legs.extend(Leg(record.call_id, agent, req.round, now) for agent in targets)
        effects.pops.append(Pop(targets, req.round, functools.partial(self._pop_payload, record, req.round)))
        return self._ring(targets, timeout_s, req.round, record)

    def _plan_and_reserve(self, req: RouteRequest, record: CallRecord, call: CallRouting, effects: Effects,
                          now: datetime, first: Snapshot | None = None) -> tuple[JsonDict, Effects]:
        until = now + timedelta(seconds=self._policy.reservation_s())
        retry = self._policy.retry_after_s
        for _ in range(PLAN_ATTEMPTS):
            snapshot = first if first is not None else self._store.snapshot(now - self._stale(), now)
            first = None  # a reservation that lost a race plans again on a fresh state
            decision = self._decide(call, snapshot, req.round, now)
            if isinstance(decision, routing.Wait):
                retry = decision.retry_after_s
            if not isinstance(decision, routing.Ring):  # busy cannot come here: prepare() saw the wait first
                break
            targets = decision.targets[:req.max_targets] if req.max_targets else decision.targets
            # Reserved on the state planned on, without reading it again, while nobody changed it.
            reserved = self._store.change(record.call_id, targets, functools.partial(
                _reserve, targets=targets, round_=req.round, now=now, until=until), now, on=snapshot)
            if reserved.result:
                effects.add(reserved, queue_changed=True)
                return self._rung(req, record, targets, decision.timeout_s, effects, now), effects
        return {"action": "wait", "retry_after_s": retry}, effects

    def _decide(self, call: CallRouting, snap: Snapshot, round_: int, now: datetime) -> routing.Decision:
        directory = self._agents.directory()
        reachable = self._reachable(directory)
        free = [Candidate(a, frozenset(directory[a].languages), s.effective(now).idle_since)
                for a, s in snap.agents.items() if a in reachable and s.is_free(now)]
        default = self._settings.default_language
        me = routing.waiting(call.call_id, call.language or default, call.arrived, round_, now, self._policy)
        if not free:  # the other callers only matter for sharing free agents: not read at all
            return routing.decide(me, [], free, round_, now, self._policy)
        others = [routing.waiting(c.call_id, c.language or default, c.arrived, c.round, now, self._policy)
                  for c in snap.calls.values() if c.call_id != call.call_id and not c.ringing_at(now)]
        return routing.decide(me, others, free, round_, now, self._policy)

    def _reachable(self, directory: Mapping[int, AgentProfile]) -> Mapping[int, AgentProfile]:
        """Return the agents a call may ring: all, or (registrations tracked) those whose phone is in."""
        if self._phones is None:
            return directory
        registered = self._phones.registered_users()
        return {agent_id: p for agent_id, p in directory.items()
                if p.ring_via is not RingVia.SIP or p.username in registered}

    def _ring(self, targets: tuple[int, ...], timeout_s: int, round_: int, record: CallRecord) -> JsonDict:
        directory = self._agents.directory()
        shown = [{"agent": directory[a].username, "agent_id": a, "uri": directory[a].sip_uri,
                  "ring_via": directory[a].ring_via.value} for a in targets if a in directory]
        return {"action": "ring", "targets": shown, "timeout_s": timeout_s, "round": round_,
                "language": record.language or self._settings.default_language}

    def _pop_payload(self, record: CallRecord, round_: int) -> JsonDict:
        return {"call_id": record.call_id, "from": record.from_number, "to": record.to_number,
                "language": record.language or self._settings.default_language, "round": round_,
                "lookup": self._pops.get(record.from_number)}

    def warm(self, number: str) -> None:
        """Read who the caller is before prepare()'s transaction opens (kept for the call's rounds; a
        waiting caller's next step, which needs none, does not read it)."""
        self._pops.callers(number)

    def pop_payload(self, record: CallRecord, round_: int) -> JsonDict:
        """Return the screen-pop of a call for an agent rung by telephony itself (a ringing event)."""
        return self._pop_payload(record, round_)

    def _stale(self) -> timedelta:
        return timedelta(seconds=self._policy.stale_after_s)


def _reserve(call: CallRouting | None, agents: Mapping[int, AgentState], *, targets: tuple[int, ...],
             round_: int, now: datetime, until: datetime) -> moves.Move[bool]:
    return moves.reserve(call, agents, targets, round_, now, until)


def _enter_and_reserve(call: CallRouting | None, agents: Mapping[int, AgentState], *, fresh: CallRouting,
                       targets: tuple[int, ...], round_: int, now: datetime,
                       until: datetime) -> moves.Move[tuple[moves.Entered, bool]]:
    return moves.enter_and_reserve(call, fresh, round_, agents, targets, now, until)


def _fresh(record: CallRecord) -> CallRouting:
    """The call's routing state to enter the queue with, if the shared state has none."""
    return replace(record.routing, state=CallState.NEW, targets=(), ring_until=None)


def _only_seen_again(record: CallRecord, stored: CallRecord) -> bool:
    """Tell whether ``record`` differs from ``stored`` at most in when the call was last seen."""
    return record == stored or record == replace(stored, last_seen=record.last_seen)
