"""The API token repository (``uow.api_tokens``): rows in, domain values out (never the digest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.db.models.identity import ApiTokenRow
from callcenter.db.queries import api_tokens as q
from callcenter.domain.identity import ApiToken, NewToken


class ApiTokenRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: NewToken, digest: str, created_at: datetime) -> ApiToken:
        row = ApiTokenRow(name=token.name, digest=digest, scopes=" ".join(sorted(token.scopes)),
                          user_id=token.user_id, created_at=created_at, expires_at=token.expires_at)
        self._session.add(row)
        self._session.flush()
        self._session.refresh(row, ["user"])
        return to_token(row)

    def by_digest(self, digest: str) -> ApiToken | None:
        row = q.api_token_by_digest(self._session, digest)
        return None if row is None else to_token(row)

    def by_id(self, token_id: int) -> ApiToken | None:
        row = q.api_token_by_id(self._session, token_id)
        return None if row is None else to_token(row)

    def all(self) -> list[ApiToken]:
        return [to_token(row) for row in q.api_tokens_newest_first(self._session)]

    def set_last_used(self, token_id: int, at: datetime) -> None:
        q.record_api_token_use(self._session, token_id, at)

    def set_revoked(self, token_id: int, at: datetime) -> None:
        q.revoke_api_token(self._session, token_id, at)


def to_token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(id=row.id, name=row.name, scopes=frozenset(row.scopes.split()), user_id=row.user_id,
                    username=row.user.username if row.user is not None else None, created_at=row.created_at,
                    last_used_at=row.last_used_at, expires_at=row.expires_at, revoked_at=row.revoked_at)
