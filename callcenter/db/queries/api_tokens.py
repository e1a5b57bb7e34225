"""API token queries by intent: find by digest or id, list newest first, record use and revocation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callcenter.db.models.identity import ApiTokenRow


def api_token_by_digest(session: Session, digest: str) -> ApiTokenRow | None:
    """Find the token whose SHA-256 digest this is (the only way a presented token is looked up)."""
    return session.scalars(select(ApiTokenRow).where(ApiTokenRow.digest == digest)).one_or_none()


def api_token_by_id(session: Session, token_id: int) -> ApiTokenRow | None:
    return session.get(ApiTokenRow, token_id)


def api_tokens_newest_first(session: Session) -> list[ApiTokenRow]:
    return list(session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.created_at.desc(),
                                                             ApiTokenRow.id.desc())))


def record_api_token_use(session: Session, token_id: int, at: datetime) -> None:
    session.execute(update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=at)
                    .execution_options(synchronize_session=False))


def revoke_api_token(session: Session, token_id: int, at: datetime) -> None:
    """Mark the token revoked unless it already was (the first revocation time is kept)."""
    session.execute(update(ApiTokenRow)
                    .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
                    .values(revoked_at=at).execution_options(synchronize_session=False))
