"""Call-record queries by intent: a call and its routing row, queued calls, legs, outcomes, CTI ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from callcenter.db.bulk_rows import insert_rows
from callcenter.db.models.crm import CallRow, QuestionRow
from callcenter.db.models.routing import CallLegRow, CallRoutingRow, CtiRequestRow
from callcenter.db.upsert import insert_on_conflict_for

QUEUED_STATES = ("waiting", "ringing")  # twin of callcenter.domain.call_records.QUEUED
RANG = "rang"  # twin of callcenter.domain.call_events.LegOutcome.RANG
ABANDONED, BUSY = "abandoned", "busy"  # twins of callcenter.domain.call_events.CallOutcome


def call_with_routing(session: Session, call_id: str, *, for_update: bool = False) -> Row[Any] | None:
    """Return a call's row: its columns, its routing row's as ``r_<column>`` (null when it has none) and
    ``question_number``; optionally locked (the call row).

    Core, on the session's connection: every step of every call reads it, and the ORM's loading cost
    more than the statement. Always the values in the database, also after UPDATEs in this transaction.
    """
    return session.connection().execute(_CALL_WITH_ROUTING[for_update], {"b_call_id": call_id}).one_or_none()


def _call_with_routing_statement(*, for_update: bool) -> Select[Any]:
    calls, routing, questions = CallRow.__table__, CallRoutingRow.__table__, QuestionRow.__table__
    stmt = (select(*calls.c, *(column.label(f"r_{column.key}") for column in routing.c),
                   questions.c.registration_number.label("question_number"))
            .select_from(calls)
            .outerjoin(routing, routing.c.call_id == calls.c.call_id)
            .outerjoin(questions, questions.c.id == calls.c.question_id)
            .where(calls.c.call_id == bindparam("b_call_id")))
    return stmt.with_for_update(of=calls) if for_update else stmt


_CALL_WITH_ROUTING = {locked: _call_with_routing_statement(for_update=locked) for locked in (False, True)}


def save_call(session: Session, call_id: str, call: dict[str, Any], routing: dict[str, Any]) -> bool:
    """Write these columns of a call and of its routing row (inserted when it has none); False when
    there is no such call (nothing written)."""
    connection = session.connection()
    if not connection.execute(_update_by_call_id(CallRow.__table__, tuple(call)),
                              {**call, "b_call_id": call_id}).rowcount:
        return False
    if not connection.execute(_update_by_call_id(CallRoutingRow.__table__, tuple(routing)),
                              {**routing, "b_call_id": call_id}).rowcount:
        connection.execute(insert(CallRoutingRow.__table__), {**routing, "call_id": call_id})
    return True


@lru_cache(maxsize=8)
def _update_by_call_id(table: Table, columns: tuple[str, ...]) -> Update:
    """Build once per shape: UPDATE the table's row of a call (bound as b_call_id) with these columns."""
    return (update(table).where(table.c.call_id == bindparam("b_call_id"))
            .values({name: bindparam(name) for name in columns}))


def routing_row(session: Session, call_id: str) -> CallRoutingRow | None:
    return session.get(CallRoutingRow, call_id)


def insert_new_call(session: Session, call: dict[str, Any], routing: dict[str, Any]) -> bool:
    """Insert a call with its routing row; False (nothing written) when its call id is taken.

    On PostgreSQL one statement (the call's INSERT in a WITH, the routing row inserted from what it
    returned): one round trip, and atomic without a transaction around it (calls_in_one_statement).
    Elsewhere two statements, for a transaction to hold together."""
    if calls_in_one_statement(session):
        columns = tuple(name for name in routing if name != "call_id")
        params = {f"c_{name}": value for name, value in call.items()}
        params.update({f"r_{name}": routing[name] for name in columns})
        statement = _new_call_with_routing(tuple(call), columns)
        return session.connection().execute(statement, params).first() is not None
    # Values as parameters, not in the statement: its compiled form is cached across calls.
    inserted = session.connection().execute(_new_call_insert(session.get_bind().dialect.name), call).first()
    if inserted is None:
        return False
    session.connection().execute(insert(CallRoutingRow), routing)
    return True


def calls_in_one_statement(session: Session) -> bool:
    """Tell whether insert_new_call writes a call and its routing row in one statement (PostgreSQL)."""
    return session.get_bind().dialect.name == "postgresql"


@lru_cache(maxsize=4)
def _new_call_with_routing(call_columns: tuple[str, ...], routing_columns: tuple[str, ...]) -> Any:
    calls, routing = CallRow.__table__, CallRoutingRow.__table__
    new_call = (insert_on_conflict_for("postgresql", CallRow)
                .values({name: bindparam(f"c_{name}", type_=calls.c[name].type) for name in call_columns})
                .on_conflict_do_nothing(index_elements=["call_id"]).returning(calls.c.call_id).cte("new_call"))
    chosen = select(new_call.c.call_id,
                    *(bindparam(f"r_{name}", type_=routing.c[name].type) for name in routing_columns))
    return (insert(routing).from_select(["call_id", *routing_columns], chosen).add_cte(new_call)
            .returning(routing.c.call_id))


@lru_cache(maxsize=2)
def _new_call_insert(dialect: str) -> Any:
    return (insert_on_conflict_for(dialect, CallRow).on_conflict_do_nothing(index_elements=["call_id"])
            .returning(CallRow.id))


def update_routing(session: Session, call_id: str, values: dict[str, Any], *, last_seen: datetime | None,
                   language: str | None) -> None:
    """Set a call's routing columns; ``last_seen`` and ``language`` only where given (the language once).

    ``values``: state, round, targets and ring_until. Every step of every call writes this row: the
    statement is built once per shape and run on the connection, not through the ORM's bulk UPDATE.
    """
    statement = _routing_update(last_seen is not None, language is not None)
    session.connection().execute(statement, _routing_params(call_id, values, last_seen, language))


def _routing_params(call_id: str, values: dict[str, Any], last_seen: datetime | None,
                    language: str | None) -> dict[str, Any]:
    params = {**values, "b_call_id": call_id}
    if last_seen is not None:
        params["last_seen"] = last_seen
    if language is not None:
        params["b_language"] = language
    return params


@lru_cache(maxsize=4)
def _routing_update(with_last_seen: bool, with_language: bool) -> Update:
    routing = CallRoutingRow.__table__
    values: dict[str, Any] = {name: bindparam(name) for name in ("state", "round", "targets", "ring_until")}
    if with_last_seen:
        values["last_seen"] = bindparam("last_seen")
    if with_language:
        language = bindparam("b_language", type_=routing.c.language.type)
        values["language"] = func.coalesce(routing.c.language, language)
    return update(routing).where(routing.c.call_id == bindparam("b_call_id")).values(values)


def queued_calls(session: Session, stale_before: datetime) -> list[Row[Any]]:
    """Return (CallRoutingRow, started_at, from_number) of calls waiting or ringing, oldest first."""
    stmt = (select(CallRoutingRow, CallRow.started_at, CallRow.from_number, CallRow.agent_user_id)
            .join(CallRow, CallRow.call_id == CallRoutingRow.call_id)
            .where(CallRoutingRow.state.in_(QUEUED_STATES), CallRoutingRow.last_seen >= stale_before)
            .order_by(CallRow.started_at, CallRow.call_id))
    return list(session.execute(stmt).all())


_LEG_KINDS = {"call_id": "text", "agent_id": "int", "round": "int", "rang_at": "time", "ended_at": "time",
              "outcome": "text"}


def add_legs_once(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert legs (one dict of columns each); a leg already there (call, agent, round) is left alone."""
    insert_rows(session, _legs_insert(session.get_bind().dialect.name), CallLegRow.__tablename__, rows,
                _LEG_KINDS, "ON CONFLICT (call_id, agent_id, round) DO NOTHING")


@lru_cache(maxsize=2)
def _legs_insert(dialect: str) -> Any:
    return insert_on_conflict_for(dialect, CallLegRow).on_conflict_do_nothing(
        index_elements=["call_id", "agent_id", "round"])


def end_ringing_legs(session: Session, call_id: str, agent_ids: Sequence[int] | None, outcome: str,
                     at: datetime) -> int:
    """Give the call's legs still ringing (of these agents, or all) their outcome; return how many."""
    stmt = update(CallLegRow).where(CallLegRow.call_id == call_id, CallLegRow.outcome == RANG)
    if agent_ids is not None:
        stmt = stmt.where(CallLegRow.agent_id.in_(agent_ids))
    stmt = stmt.values(outcome=outcome, ended_at=at).execution_options(synchronize_session=False)
    done = session.execute(stmt)
    return int(done.rowcount)


def lock_call(session: Session, call_id: str) -> None:
    """Lock the call's row (the one call_with_routing(for_update=True) locks) until the transaction ends."""
    session.connection().execute(_LOCK_CALL, {"b_call_id": call_id}).first()


_LOCK_CALL = (select(CallRow.__table__.c.call_id).where(CallRow.__table__.c.call_id == bindparam("b_call_id"))
              .with_for_update())


def end_legs_if_call_ended(session: Session, call_id: str, outcome: str) -> None:
    """Lock the call's row; if the call has ended, end its legs still ringing at its end.

    One statement whose result is not read (it can go in a batch): the call's row is locked in a
    sub-select, so a hang-up holding the lock is waited for and its end time seen.
    """
    session.connection().execute(_END_LEGS_IF_ENDED, {"b_call_id": call_id, "b_outcome": outcome})


def _end_legs_if_ended_statement() -> Update:
    calls, legs = CallRow.__table__, CallLegRow.__table__
    # Locked whatever its end: a row filtered out before the lock would not be waited for.
    call = (select(calls.c.call_id, calls.c.ended_at).where(calls.c.call_id == bindparam("b_call_id"))
            .with_for_update().subquery("the_call"))
    return (update(legs)
            .where(legs.c.call_id == call.c.call_id, legs.c.outcome == RANG, call.c.ended_at.is_not(None))
            .values(outcome=bindparam("b_outcome"), ended_at=call.c.ended_at))


_END_LEGS_IF_ENDED = _end_legs_if_ended_statement()


def answer_ringing_leg(session: Session, call_id: str, agent_id: int) -> bool:
    """Mark the agent's ringing leg of the call answered; False when it has none ringing."""
    stmt = (update(CallLegRow).where(CallLegRow.call_id == call_id, CallLegRow.agent_id == agent_id,
                                     CallLegRow.outcome == RANG)
            .values(outcome="answered").execution_options(synchronize_session=False))
    return bool(session.execute(stmt).rowcount)


def agent_has_leg(session: Session, call_id: str, agent_id: int) -> bool:
    stmt = select(CallLegRow.id).where(CallLegRow.call_id == call_id, CallLegRow.agent_id == agent_id)
    return session.execute(stmt.limit(1)).first() is not None


def legs_of_call(session: Session, call_id: str) -> list[CallLegRow]:
    return list(session.scalars(select(CallLegRow).where(CallLegRow.call_id == call_id)
                                .order_by(CallLegRow.round, CallLegRow.rang_at, CallLegRow.agent_id)))


def call_counts_between(session: Session, start: datetime, end: datetime, answer_target_s: int) -> Row[Any]:
    """Count the non-test inbound calls arrived in [start, end), in the database (one row, no call read):
    (out_of_hours, answered, answered within the target, abandoned, busy)."""
    stmt = _call_counts(session.get_bind().dialect.name, answer_target_s)
    return session.execute(stmt, {"start": start, "end": end}).one()


@lru_cache(maxsize=4)
def _call_counts(dialect: str, answer_target_s: int) -> Any:
    """The statement of call_counts_between, built once per database (the supervisors' figures are read
    twice a second while calls come in: building it cost as much CPU as running it)."""
    out_of_hours = func.coalesce(CallRoutingRow.out_of_hours, false())
    answered = and_(~out_of_hours, CallRow.answered_at.is_not(None))
    waited = _seconds_between(dialect, CallRow.answered_at, CallRow.started_at)
    unanswered = and_(~out_of_hours, CallRow.answered_at.is_(None))
    return (select(*(func.coalesce(func.sum(case((condition, 1), else_=0)), 0) for condition in (
                out_of_hours, answered, and_(answered, waited <= answer_target_s),
                and_(unanswered, CallRow.outcome == ABANDONED), and_(unanswered, CallRow.outcome == BUSY))))
            .select_from(CallRow).outerjoin(CallRoutingRow, CallRoutingRow.call_id == CallRow.call_id)
            .where(CallRow.started_at >= bindparam("start", type_=CallRow.started_at.type),
                   CallRow.started_at < bindparam("end", type_=CallRow.started_at.type),
                   CallRow.direction == "inbound", func.coalesce(CallRoutingRow.test, false()) == false()))


def _seconds_between(dialect: str, later: Any, earlier: Any) -> Any:
    if dialect == "sqlite":  # timestamps are text there: compare Julian days
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def claim_cti_request(session: Session, kind: str, key: str, at: datetime) -> bool:
    """Record a request id as being processed; False when it was recorded before (nothing written)."""
    row = {"kind": kind, "key": key, "received_at": at, "response": None}
    return session.connection().execute(_claim(session.get_bind().dialect.name), row).first() is not None


@lru_cache(maxsize=2)
def _claim(dialect: str) -> Any:
    """The INSERT … ON CONFLICT DO NOTHING RETURNING of a request id, built once per database."""
    stmt = insert_on_conflict_for(dialect, CtiRequestRow)
    return stmt.on_conflict_do_nothing(index_elements=["kind", "key"]).returning(CtiRequestRow.id)


def claim_cti_request_recording_call(session: Session, kind: str, key: str, at: datetime,
                                     call: dict[str, Any], routing: dict[str, Any]
                                     ) -> tuple[bool, Row[Any] | None, Row[Any] | None, bool]:
    """As claim_cti_request_reading_call, and when the claim is new and there is no such call, record it
    (``call``: its columns with ``call_id``, ``routing``: its routing row's): (claimed, the earlier
    claim's row if not, the call's row as it was before, recorded). PostgreSQL only: one statement, which
    stands alone (the claim and the call with its routing row are written together or not at all). A call
    recorded meanwhile by a transaction not committed yet is waited for, then neither read nor recorded.
    """
    call_columns = tuple(name for name in call if name != "call_id")
    routing_columns = tuple(name for name in routing if name != "call_id")
    params: dict[str, Any] = {"b_kind": kind, "b_key": key, "b_received_at": at, "b_call_id": call["call_id"]}
    params.update({f"c_{name}": call[name] for name in call_columns})
    params.update({f"r_{name}": routing[name] for name in routing_columns})
    row = session.connection().execute(_claim_recording_call(call_columns, routing_columns), params).one()
    prior = None if row.claimed_id is not None or row.received_at is None else row
    return (row.claimed_id is not None, prior, row if row.call_id is not None else None,
            row.recorded_id is not None)


def claim_cti_request_reading_call(session: Session, kind: str, key: str, at: datetime,
                                   call_id: str) -> tuple[bool, Row[Any] | None, Row[Any] | None]:
    """Claim a request id and read a call: (claimed, the earlier claim's row if not, the call's row).

    On PostgreSQL one statement (the INSERT in a WITH, its outcome, the earlier claim and the call read
    beside it: one round trip for a waiting caller's redirect instead of two); elsewhere one after the
    other. The rows: ``response``/``received_at``, and the columns of call_with_routing (unlocked, read
    as the claim is made). An earlier claim made by a transaction still open is not seen (its row is
    None): the caller then waits for its answer, as for any claim without answer yet.
    """
    if session.get_bind().dialect.name != "postgresql":
        claimed = claim_cti_request(session, kind, key, at)
        prior = None if claimed else cti_request(session, kind, key)
        return claimed, prior, call_with_routing(session, call_id)
    row = session.connection().execute(_CLAIM_READING_CALL, {
        "b_kind": kind, "b_key": key, "b_received_at": at, "b_call_id": call_id}).one()
    prior = None if row.claimed_id is not None or row.received_at is None else row
    return row.claimed_id is not None, prior, row if row.call_id is not None else None


def _claim_reading_call_statement(new_call: tuple[tuple[str, ...], tuple[str, ...]] | None = None
                                  ) -> Select[Any]:
    """The claim reading a call; with ``new_call`` (its call and routing columns, bound as c_<name> and
    r_<name>), also recording it when the claim is new and the call id free (``recorded_id``)."""
    requests, calls = CtiRequestRow.__table__, CallRow.__table__
    routing, questions = CallRoutingRow.__table__, QuestionRow.__table__
    kind, key = bindparam("b_kind", type_=requests.c.kind.type), bindparam("b_key", type_=requests.c.key.type)
    claimed = (insert_on_conflict_for("postgresql", CtiRequestRow)
               .values(kind=kind, key=key, received_at=bindparam("b_received_at",
                                                                 type_=requests.c.received_at.type))
               .on_conflict_do_nothing(index_elements=["kind", "key"])
               .returning(requests.c.id).cte("claimed"))
    one = select(literal_column("1").label("one")).subquery("one")
    recorded: list[Any] = []
    if new_call is not None:
        call_columns, routing_columns = new_call
        call_id = bindparam("b_call_id", type_=calls.c.call_id.type)
        values = select(call_id, *(bindparam(f"c_{name}", type_=calls.c[name].type) for name in call_columns)
                        ).where(exists(select(claimed.c.id)))
        inserted = (insert_on_conflict_for("postgresql", CallRow)
                    .from_select(["call_id", *call_columns], values)
                    .on_conflict_do_nothing(index_elements=["call_id"]).returning(calls.c.call_id).cte("new_call"))
        with_routing = (insert(routing).from_select(
            ["call_id", *routing_columns],
            select(inserted.c.call_id, *(bindparam(f"r_{name}", type_=routing.c[name].type)
                                         for name in routing_columns)))
            .returning(routing.c.call_id).cte("new_routing"))
        recorded.append(select(with_routing.c.call_id).scalar_subquery().label("recorded_id"))
    # An earlier claim and the call as it was before, each joined to the one row (null when absent).
    return (select(select(claimed.c.id).scalar_subquery().label("claimed_id"), *recorded,
                   requests.c.response, requests.c.received_at,
                   *calls.c, *(column.label(f"r_{column.key}") for column in routing.c),
                   questions.c.registration_number.label("question_number"))
            .select_from(one.outerjoin(requests, and_(requests.c.kind == kind, requests.c.key == key))
                         .outerjoin(calls, calls.c.call_id == bindparam("b_call_id"))
                         .outerjoin(routing, routing.c.call_id == calls.c.call_id)
                         .outerjoin(questions, questions.c.id == calls.c.question_id)))


_CLAIM_READING_CALL = _claim_reading_call_statement()


@lru_cache(maxsize=4)
def _claim_recording_call(call_columns: tuple[str, ...], routing_columns: tuple[str, ...]) -> Select[Any]:
    return _claim_reading_call_statement((call_columns, routing_columns))


def cti_request(session: Session, kind: str, key: str) -> CtiRequestRow | None:
    return session.scalars(select(CtiRequestRow).where(CtiRequestRow.kind == kind, CtiRequestRow.key == key)
                           .execution_options(populate_existing=True)).one_or_none()


def reclaim_cti_request(session: Session, kind: str, key: str, at: datetime,
                        claimed_before: datetime) -> bool:
    """Claim again a request still without answer since before ``claimed_before`` (its processor died)."""
    stmt = (update(CtiRequestRow)
            .where(CtiRequestRow.kind == kind, CtiRequestRow.key == key, CtiRequestRow.response.is_(None),
                   CtiRequestRow.received_at < claimed_before)
            .values(received_at=at).execution_options(synchronize_session=False))
    return bool(session.execute(stmt).rowcount)


def answer_cti_request(session: Session, kind: str, key: str, response: dict[str, Any]) -> None:
    session.connection().execute(_ANSWER, {"b_kind": kind, "b_key": key, "response": response})


def answer_cti_request_with_routing(session: Session, kind: str, key: str, response: dict[str, Any],
                                    call_id: str, values: dict[str, Any], *, last_seen: datetime | None,
                                    language: str | None) -> None:
    """Store a request's answer and set a call's routing columns (as update_routing does).

    On PostgreSQL one statement (the routing row's UPDATE in a WITH): one round trip, and both or
    neither even without a transaction; elsewhere one after the other.
    """
    if session.get_bind().dialect.name != "postgresql":
        update_routing(session, call_id, values, last_seen=last_seen, language=language)
        answer_cti_request(session, kind, key, response)
        return
    params = {**_routing_params(call_id, values, last_seen, language),
              "b_kind": kind, "b_key": key, "response": response}
    session.connection().execute(_answer_with_routing(last_seen is not None, language is not None), params)


@lru_cache(maxsize=4)
def _answer_with_routing(with_last_seen: bool, with_language: bool) -> Update:
    return _ANSWER.add_cte(_routing_update(with_last_seen, with_language).cte("routing_row"))


_REQUESTS = CtiRequestRow.__table__
_ANSWER = (update(_REQUESTS)
           .where(_REQUESTS.c.kind == bindparam("b_kind"), _REQUESTS.c.key == bindparam("b_key"))
           .values(response=bindparam("response")))


def forget_unanswered_cti_request(session: Session, kind: str, key: str) -> None:
    session.execute(delete(CtiRequestRow).where(CtiRequestRow.kind == kind, CtiRequestRow.key == key,
                                                CtiRequestRow.response.is_(None))
                    .execution_options(synchronize_session=False))


def prune_cti_requests(session: Session, before: datetime) -> int:
    done = session.execute(delete(CtiRequestRow).where(CtiRequestRow.received_at < before)
                           .execution_options(synchronize_session=False))
    return int(done.rowcount)
