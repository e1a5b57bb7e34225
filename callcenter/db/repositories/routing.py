"""Agent profiles (``uow.agents``) and the last known presence with its log (``uow.presence``).

ROUTING_REPOSITORIES is merged into the unit of work's registry by one line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.routing import AgentPresenceRow, AgentRow
from callcenter.db.queries import routing as q
from callcenter.db.repositories.call_records import CallRecordRepository, CtiRequestRepository
from callcenter.domain.agents import AgentProfile, CleanProfile, RingVia
from callcenter.domain.errors import Conflict
from callcenter.domain.presence import AgentState, PresenceStatus


class AgentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def save(self, user_id: int, profile: CleanProfile, at: datetime) -> None:
        other = q.agent_with_sip_uri(self._session, profile.sip_uri)
        if other is not None and other.user_id != user_id:
            raise Conflict(f"Another agent already has the SIP address {profile.sip_uri}.",
                           {"sip_uri": "taken"})
        row = q.agent_row(self._session, user_id) or AgentRow(user_id=user_id)
        row.sip_uri, row.languages = profile.sip_uri, " ".join(profile.languages)
        row.groups = " ".join(profile.groups)
        row.ring_via, row.updated_at = profile.ring_via.value, at
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except IntegrityError as exc:  # the same address given to two agents at the same moment
            raise Conflict(f"Another agent already has the SIP address {profile.sip_uri}.",
                           {"sip_uri": "taken"}) from exc

    def get(self, user_id: int) -> AgentProfile | None:
        found = q.agent_profile_of_user(self._session, user_id)
        return None if found is None else _profile(found)

    def all(self) -> list[AgentProfile]:
        return [_profile(r) for r in q.agent_profiles_by_username(self._session)]

    def remove(self, user_id: int) -> bool:
        return q.remove_agent(self._session, user_id)


class PresenceRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def current(self, agent_ids: Sequence[int] | None = None, *,
                for_update: bool = False) -> dict[int, AgentState]:
        rows = q.presence_rows(self._session, agent_ids, for_update=for_update)
        return {r.agent_id: to_state(r) for r in rows}

    def save(self, states: Iterable[AgentState], at: datetime) -> None:
        wanted = {s.agent_id: s for s in states}  # the last state given for an agent wins
        if not wanted:
            return
        self._session.flush()  # rows changed through the session first, so the upsert comes last
        q.upsert_presence(self._session, [
            {"agent_id": s.agent_id, "status": s.status.value, "reason": s.reason, "since": s.since,
             "until": s.until, "call_id": s.call_id, "idle_since": s.idle_since, "updated_at": at}
            for s in wanted.values()])

    def log(self, states: Iterable[AgentState]) -> None:
        rows = [{"agent_id": s.agent_id, "status": s.status.value, "reason": s.reason, "at": s.since,
                 "call_id": s.call_id} for s in states]
        if rows:
            q.add_presence_changes(self._session, rows)

    def changes(self, agent_id: int, start: datetime, end: datetime) -> list[tuple[datetime, PresenceStatus]]:
        found = q.presence_changes_between(self._session, agent_id, start, end)
        return [(at, PresenceStatus(status)) for at, status in found]

    def updated_since(self, at: datetime) -> list[AgentState]:
        return [to_state(r) for r in q.presence_rows_updated_since(self._session, at)]


def to_state(row: AgentPresenceRow) -> AgentState:
    return AgentState(row.agent_id, PresenceStatus(row.status), row.since, row.reason, row.until, row.call_id,
                      row.idle_since)


def _profile(found: Row[Any]) -> AgentProfile:
    row: AgentRow = found[0]
    return AgentProfile(row.user_id, found.username, found.display_name, row.sip_uri,
                        tuple(row.languages.split()), tuple(row.groups.split()), RingVia(row.ring_via),
                        bool(found.is_agent))


ROUTING_REPOSITORIES: dict[str, Any] = {
    "agents": AgentRepository,
    "presence": PresenceRepository,
    "call_records": CallRecordRepository,
    "cti_requests": CtiRequestRepository,
}
