"""Agent and presence queries by intent: profiles with their users, last known presence, the change log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, and_, delete, exists, insert, select
from sqlalchemy.orm import Session

from callcenter.db.bulk_rows import insert_rows
from callcenter.db.models.identity import UserRoleRow, UserRow
from callcenter.db.models.routing import AgentPresenceRow, AgentRow, PresenceChangeRow
from callcenter.db.upsert import insert_on_conflict_for

AGENT_ROLE = "agent"  # twin of callcenter.domain.identity.Role.AGENT


def _profile_columns() -> Any:
    has_role = exists().where(and_(UserRoleRow.user_id == UserRow.id, UserRoleRow.role == AGENT_ROLE))
    return select(AgentRow, UserRow.username, UserRow.display_name,
                  (UserRow.active & has_role).label("is_agent")).join(UserRow, UserRow.id == AgentRow.user_id)


def agent_profiles_by_username(session: Session) -> list[Row[Any]]:
    """Return (AgentRow, username, display_name, is_agent) of every profile, by username."""
    return list(session.execute(_profile_columns().order_by(UserRow.username)).all())


def agent_profile_of_user(session: Session, user_id: int) -> Row[Any] | None:
    return session.execute(_profile_columns().where(AgentRow.user_id == user_id)).one_or_none()


def agent_row(session: Session, user_id: int) -> AgentRow | None:
    return session.get(AgentRow, user_id)


def agent_with_sip_uri(session: Session, sip_uri: str) -> AgentRow | None:
    return session.scalars(select(AgentRow).where(AgentRow.sip_uri == sip_uri)).one_or_none()


def remove_agent(session: Session, user_id: int) -> bool:
    return bool(session.execute(delete(AgentRow).where(AgentRow.user_id == user_id)).rowcount)


def presence_rows(session: Session, agent_ids: Sequence[int] | None, *,
                  for_update: bool = False) -> list[AgentPresenceRow]:
    """Return last known presence rows (of these agents, or all), by agent id; optionally locked."""
    stmt = select(AgentPresenceRow).order_by(AgentPresenceRow.agent_id)
    if agent_ids is not None:
        stmt = stmt.where(AgentPresenceRow.agent_id.in_(agent_ids))
    if for_update:
        stmt = stmt.with_for_update()  # by agent id: two deciders lock in the same order, no deadlock
    return list(session.scalars(stmt))


_PRESENCE_KINDS = {"agent_id": "int", "status": "text", "reason": "text", "since": "time", "until": "time",
                   "call_id": "text", "idle_since": "time", "updated_at": "time"}
_PRESENCE_SET = ", ".join(f"{name} = EXCLUDED.{name}" for name in _PRESENCE_KINDS if name != "agent_id")


def upsert_presence(session: Session, rows: list[dict[str, Any]]) -> None:
    """Make these (one dict of columns per agent, every column) the agents' last known presence, in one
    statement; a row already holding a newer state (a later ``since``) is left as it is.

    The copies of one agent's changes may reach the database out of order: a new call's route writes
    its agents' "ringing" after its answer (services.call_lifecycle), and an agent who paused in the
    meantime has had the pause written already. The shared state has them in order; the copy keeps the
    newest, as the panels do."""
    # By agent id: two writers lock the rows in the same order, no deadlock.
    ordered = sorted(rows, key=lambda row: int(row["agent_id"]))
    insert_rows(session, _presence_upsert(session.get_bind().dialect.name), AgentPresenceRow.__tablename__,
                ordered, _PRESENCE_KINDS,
                f"ON CONFLICT (agent_id) DO UPDATE SET {_PRESENCE_SET} {_NOT_OLDER}")


_NOT_OLDER = f"WHERE {AgentPresenceRow.__tablename__}.since <= EXCLUDED.since"


@lru_cache(maxsize=2)
def _presence_upsert(dialect: str) -> Any:
    """The INSERT … ON CONFLICT DO UPDATE of presence rows, built once per database (building its
    EXCLUDED columns was a good part of a ringing step's statement time)."""
    stmt = insert_on_conflict_for(dialect, AgentPresenceRow)
    return stmt.on_conflict_do_update(index_elements=["agent_id"],
                                      set_={name: stmt.excluded[name] for name in _PRESENCE_KINDS
                                            if name != "agent_id"},
                                      where=AgentPresenceRow.since <= stmt.excluded.since)


_CHANGE_KINDS = {"agent_id": "int", "status": "text", "reason": "text", "at": "time", "call_id": "text"}


def add_presence_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append entries (one dict of columns each) to the presence log, in one statement."""
    insert_rows(session, insert(PresenceChangeRow), PresenceChangeRow.__tablename__, rows, _CHANGE_KINDS)


def presence_rows_updated_since(session: Session, at: datetime) -> list[AgentPresenceRow]:
    return list(session.scalars(select(AgentPresenceRow).where(AgentPresenceRow.updated_at >= at)))


def presence_changes_between(session: Session, agent_id: int, start: datetime,
                             end: datetime) -> list[tuple[datetime, str]]:
    """Return (at, status) of the last change before ``start`` and of every change in [start, end)."""
    before = (select(PresenceChangeRow.at, PresenceChangeRow.status)
              .where(PresenceChangeRow.agent_id == agent_id, PresenceChangeRow.at < start)
              .order_by(PresenceChangeRow.at.desc(), PresenceChangeRow.id.desc()).limit(1))
    during = (select(PresenceChangeRow.at, PresenceChangeRow.status)
              .where(PresenceChangeRow.agent_id == agent_id, PresenceChangeRow.at >= start,
                     PresenceChangeRow.at < end)
              .order_by(PresenceChangeRow.at, PresenceChangeRow.id))
    first = [(r.at, r.status) for r in session.execute(before)]
    return first + [(r.at, r.status) for r in session.execute(during)]
