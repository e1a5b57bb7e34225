"""Ports of presence, routing and the call lifecycle: the shared routing state, repositories, CRM helpers.

The routing state (agents' presence, queued calls) has two adapters with the same contract: Redis
(callcenter.live.routing_state, shared by every node) and the database's last known copy
(services.db_routing_store), used while Redis is unreachable. ``change`` is the only way to modify
it: it reads the call and the agents, lets a pure function decide, and writes the result atomically
(retrying if another node changed them meanwhile), so an agent is never offered two calls at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from callcenter.domain.agents import AgentProfile, CleanProfile
from callcenter.domain.calendar import Status
from callcenter.domain.call_events import LegOutcome
from callcenter.domain.call_records import CallRecord, CallRouting, Leg
from callcenter.domain.presence import AgentState, PresenceStatus
from callcenter.domain.routing_moves import Move
from callcenter.services.identity_ports import SipCredentialRepository, UserRepository
from callcenter.services.ports import UnitOfWork

T = TypeVar("T")
JsonDict = dict[str, Any]


class RoutingStateUnavailable(Exception):
    """The shared routing state (Redis) cannot be reached; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    agents: dict[int, AgentState]  # every agent with a known state
    # Queued calls (waiting or ringing) heard of since ``stale_before``; a store may read or decode them
    # only when they are first used (ReadWhenUsed: a decision with no free agent never reads them).
    calls: Mapping[str, CallRouting]
    seeded: bool = True  # False: a store that lost its state (Redis restarted empty) and needs refilling
    # What the store that took it needs to check that the state is still as shown (opaque to others).
    basis: object | None = field(default=None, compare=False, repr=False)


class ReadWhenUsed(Mapping[str, CallRouting]):
    """Calls by id, read by ``read`` when first used, then kept."""

    def __init__(self, read: Callable[[], Mapping[str, CallRouting]]) -> None:
        self._read = read
        self._calls: Mapping[str, CallRouting] | None = None

    def _found(self) -> Mapping[str, CallRouting]:
        if self._calls is None:
            self._calls = self._read()
        return self._calls

    def __getitem__(self, call_id: str) -> CallRouting:
        return self._found()[call_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


@dataclass(frozen=True)
class Applied(Generic[T]):
    """What a change did: the new call state (None: unchanged), the agents before and after, the result."""

    call: CallRouting | None
    agents: dict[int, AgentState]
    before: dict[int, AgentState]
    result: T
    persisted: bool = False  # the database already holds this change (the database adapter made it)
    snapshot: Snapshot | None = None  # the whole state right after the change, when asked and given


ChangeFn = Callable[[CallRouting | None, Mapping[int, AgentState]], Move[T]]


class SnapshotOnTheWay(Protocol):
    """A snapshot asked for ahead of its use (RoutingStore.snapshot_ahead): it travels while the caller
    does other work. Read it with result(), or drop it with discard(); once either was called, result()
    gives None and discard() does nothing."""

    def result(self) -> Snapshot | None:
        """Return the snapshot, or None when it could not be had (then read one the usual way)."""
        ...

    def discard(self) -> None:
        """Give it up unread."""
        ...


class RoutingStore(Protocol):
    def snapshot(self, stale_before: datetime, now: datetime) -> Snapshot: ...

    def snapshot_ahead(self, stale_before: datetime, now: datetime, call_id: str) -> SnapshotOnTheWay | None:
        """Ask for a snapshot now and read it later, as if ``change(call_id, …)`` had brought it: a change of
        that call decided on it writes without reading first while that is still the state. None: this
        store cannot send a read ahead (read a snapshot when it is needed)."""
        ...

    def change(self, call_id: str | None, agent_ids: Iterable[int], fn: ChangeFn[T],
               now: datetime, *, snapshot_stale_before: datetime | None = None,
               on: Snapshot | None = None, new_call: bool = False) -> Applied[T]:
        """Read the call and its agents (targets, answerer and ``agent_ids``), apply ``fn``, write atomically.

        Agents without a state are given to ``fn`` as offline since ``now``. With
        ``snapshot_stale_before``, a store that can read the whole state in the same round trip as the
        write returns it in ``Applied.snapshot`` (as ``snapshot`` would); others leave it None.
        What the caller knows may spare the read: ``on``, the snapshot it decided on (a change's, of the
        same call), or ``new_call``, the call recorded just now and so not in the state yet (with no
        ``agent_ids``). A store that can check atomically that this is still the state writes without
        reading first; when it is not (another node changed it), it reads and ``fn`` decides again.
        """
        ...

    def agents(self, agent_ids: Sequence[int] | None, now: datetime) -> dict[int, AgentState]:
        """Return the states of these agents (None: of every agent with a state)."""
        ...

    def ping(self) -> None:
        """Raise RoutingStateUnavailable unless the store answers."""
        ...


class RestorableStore(RoutingStore, Protocol):
    def restore(self, agents: Sequence[AgentState], calls: Sequence[CallRouting], *, overwrite: bool) -> None:
        """Put back states decided elsewhere: over the stored ones (``overwrite``: they are newer, decided
        while the store was down) or only where the store has none (it lost its state)."""
        ...


class AgentRepository(Protocol):
    def save(self, user_id: int, profile: CleanProfile, at: datetime) -> None:
        """Create or replace the profile; raise Conflict if another agent has the SIP address."""
        ...

    def get(self, user_id: int) -> AgentProfile | None: ...

    def all(self) -> list[AgentProfile]:
        """Return every profile, by username."""
        ...

    def remove(self, user_id: int) -> bool: ...


class PresenceRepository(Protocol):
    def current(self, agent_ids: Sequence[int] | None = None, *,
                for_update: bool = False) -> dict[int, AgentState]:
        """Return the last known states (None: of every agent); ``for_update`` locks their rows."""
        ...

    def save(self, states: Iterable[AgentState], at: datetime) -> None:
        """Make these the agents' last known states."""
        ...

    def log(self, states: Iterable[AgentState]) -> None:
        """Append these states to the log of changes (each at its ``since``)."""
        ...

    def changes(self, agent_id: int, start: datetime, end: datetime) -> list[tuple[datetime, PresenceStatus]]:
        """Return the agent's changes before ``end``: the last one before ``start``, then every one after."""
        ...

    def updated_since(self, at: datetime) -> list[AgentState]: ...


@dataclass(frozen=True)
class CallCounts:
    answered: int = 0
    answered_in_time: int = 0  # within the answer target (20 s)
    abandoned: int = 0
    busy: int = 0
    out_of_hours: int = 0


class CallRecordRepository(Protocol):
    def get(self, call_id: str, *, for_update: bool = False) -> CallRecord | None: ...

    def add(self, record: CallRecord) -> CallRecord:
        """Store a new call with its routing row; raise Conflict if the call id is taken."""
        ...

    def adds_in_one_statement(self) -> bool:
        """Tell whether add() writes the call and its routing row in one statement, which then stands
        alone (atomic) outside a transaction too."""
        ...

    def save(self, record: CallRecord) -> None:
        """Store the record's fields and its routing row."""
        ...

    def save_routing(self, routing: CallRouting) -> None:
        """Copy a routing state to the call's routing row (the call is recorded)."""
        ...

    def queued(self, stale_before: datetime) -> list[CallRouting]:
        """Return the calls waiting or ringing, heard of at or after ``stale_before``, oldest first."""
        ...

    def add_legs(self, legs: Sequence[Leg]) -> None:
        """Record legs that rang; a leg already recorded (call, agent, round) is left alone."""
        ...

    def end_legs(self, call_id: str, agent_ids: Sequence[int] | None, outcome: LegOutcome,
                 at: datetime) -> None:
        """End the call's legs still ringing (of these agents; None: all) with ``outcome``."""
        ...

    def hold(self, call_id: str) -> None:
        """Lock the call's row until the transaction ends: the call's next step, which reads it locked,
        waits for what this transaction writes (used where add() recorded it in one statement)."""
        ...

    def end_legs_if_call_ended(self, call_id: str, outcome: LegOutcome) -> None:
        """Lock the call's row; if the call has ended, end its legs still ringing with ``outcome`` at
        the call's end (no result read: it can be batched)."""
        ...

    def answer_leg(self, call_id: str, agent_id: int, round_: int, at: datetime) -> None:
        """Mark the agent's ringing leg answered (recording one if the agent was rung without us)."""
        ...

    def legs(self, call_id: str) -> list[Leg]: ...

    def counts(self, start: datetime, end: datetime, answer_target_s: int) -> CallCounts:
        """Count the non-test calls that arrived in [start, end) by outcome."""
        ...


@dataclass(frozen=True)
class Claim:
    new: bool  # this request is ours to process
    response: JsonDict | None = None  # the answer already given to it
    received_at: datetime | None = None
    call: CallRecord | None = None  # the call's record, when asked for with the claim (None: no such call)
    recorded: bool = False  # the new call given with the claim was recorded with it


class CtiRequestRepository(Protocol):
    def claim(self, kind: str, key: str, at: datetime, *, call_id: str | None = None,
              new_call: CallRecord | None = None) -> Claim:
        """Record that a request is being processed, or return what is known of it already; with
        ``call_id``, also read that call's record (unlocked, in the same round trip where it can); with
        ``new_call`` (a record of that call, where call_records.adds_in_one_statement()), also record it
        when the claim is new and there is no such call, in the same statement (``Claim.recorded``)."""
        ...

    def take_over(self, kind: str, key: str, at: datetime, claimed_before: datetime) -> bool:
        """Claim again a request left without answer since before ``claimed_before``."""
        ...

    def answer(self, kind: str, key: str, response: JsonDict, *,
               routing: Sequence[CallRouting] = ()) -> None:
        """Keep the answer a repeat of the request gets; with ``routing``, copy these routing states to
        their calls' rows too (CallRecordRepository.save_routing), in the same round trip where it can."""
        ...

    def find(self, kind: str, key: str) -> Claim | None:
        """Return what is known of a request already claimed (``new`` False), or None."""
        ...

    def release(self, kind: str, key: str) -> None:
        """Forget a claim left without answer (its processing failed), so that a repeat is processed."""
        ...

    def prune(self, before: datetime) -> int: ...


class RoutingUnitOfWork(UnitOfWork, Protocol):
    agents: AgentRepository
    presence: PresenceRepository
    call_records: CallRecordRepository
    cti_requests: CtiRequestRepository
    users: UserRepository
    sip_accounts: SipCredentialRepository

    def __enter__(self) -> RoutingUnitOfWork: ...

    def batched(self) -> AbstractContextManager[None]:
        """Send the block's writes together where the database allows (no result read inside)."""
        ...


RoutingUowFactory = Callable[[], RoutingUnitOfWork]


class OpeningCalendar(Protocol):
    def status(self, at: datetime | None = None, lang: str = ...) -> Status: ...


class CallerLookup(Protocol):
    def lookup(self, number: str) -> JsonDict:
        """Return the screen-pop payload of ``number`` (raise InvalidInput when it is no number)."""
        ...

    def callers(self, number: str) -> JsonDict:
        """Return the payload's ``contacts`` with only ``id``, ``language`` and ``match`` each, read more
        cheaply (raise InvalidInput when it is no number)."""
        ...


class CallbackDesk(Protocol):
    def register_callback(self, record: CallRecord, language: str) -> str | None:
        """Turn a missed call into a question to call back; return its registration number, if any."""
        ...


@dataclass(frozen=True)
class RoutingSettings:
    service_numbers: dict[str, str] = field(default_factory=dict)
    default_language: str = "fr"
    wrap_up_s: float = 30.0
    write_address: str = "question@mi-is.be"
    pause_reasons: tuple[str, ...] = ()
    probe_number: str = ""  # calls to it go to the announcement endpoint as test calls; "" none
