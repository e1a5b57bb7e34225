"""Who is asking: bearer tokens for the API, logged-in sessions (with CSRF and idle timeout) for pages.

API handlers: ``@require_scope("questions:write")`` then ``current_principal()``. A browser that is
logged in may call the same handlers without a token: its session acts with the scopes of its roles,
and must send the CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``) on unsafe methods.
Pages: ``@require_role("coach", "supervisor")``; the login page calls ``login_user(user)`` and, when
``app.config["LOGIN_VIEW"]`` names its endpoint, pages redirect there instead of answering 401.
Sessions live in Flask's signed cookie; they end after ``session_idle_minutes`` without a request,
when the user is disabled, or when its password changes.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, redirect, request, session, url_for
from flask.blueprints import BlueprintSetupState

from callcenter.domain.identity import (
    SCOPES,
    Forbidden,
    InvalidCredentials,
    Principal,
    Role,
    SessionExpired,
    User,
)
from callcenter.web.app import EXTENSION, services
from callcenter.web.i18n import SESSION_LANGUAGE

F = TypeVar("F", bound=Callable[..., Any])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_USER, _STAMP, _SEEN, _CSRF = "uid", "stamp", "seen", "csrf"
_BROWSER = "browser_session"  # flag on g: a browser's session asked (see from_browser_session)

bp = Blueprint("auth", __name__)


class CsrfRejected(Forbidden):
    """An unsafe request of a session came without its CSRF token (HTTP 403)."""

    code = "csrf-failed"


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    settings = state.app.extensions[EXTENSION].settings
    state.app.config["SESSION_COOKIE_SECURE"] = settings.session_cookie_secure
    state.app.add_template_global(csrf_token)


def require_scope(*scopes: str) -> Callable[[F], F]:
    """Let the view run only for a principal holding every scope (401 without one, 403 without scope)."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"require_scope needs known scopes, not {unknown or 'none'}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = _request_principal()
            missing = [s for s in scopes if not principal.has_scope(s)]
            if missing:
                raise Forbidden(f"This needs the scope {missing[0]!r}.", {"scope": missing[0]})
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def require_role(*roles: Role | str) -> Callable[[F], F]:
    """Let the page run only for a logged-in user with one of the roles (login redirect or 401, else 403)."""
    wanted = frozenset(Role(r) for r in roles)
    if not wanted:
        raise ValueError("require_role needs at least one role")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                principal = _session_principal()
            except InvalidCredentials:
                login_view = current_app.config.get("LOGIN_VIEW")
                if not login_view:
                    raise
                return redirect(url_for(login_view, next=request.full_path))
            if not principal.has_any_role(wanted):
                raise Forbidden(f"This page is for: {', '.join(sorted(wanted))}.")
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def current_principal() -> Principal:
    """Return who the current request acts as (set by require_scope or require_role)."""
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise InvalidCredentials("This request is not authenticated.")
    return principal


def login_user(user: User) -> None:
    """Start a fresh session for an authenticated user (nothing of the previous session survives)."""
    session.clear()  # defeats session fixation: no value planted before the login is kept
    session[_USER] = user.id
    session[_STAMP] = user.credential_stamp
    session[_SEEN] = _now()
    session[_CSRF] = secrets.token_urlsafe(32)
    g.pop("principal", None)


def logout_user() -> None:
    """End the session of this browser."""
    session.clear()
    g.pop("principal", None)


def csrf_token() -> str:
    """Return this session's CSRF token for forms and scripts (templates: ``{{ csrf_token() }}``)."""
    if _CSRF not in session:
        session[_CSRF] = secrets.token_urlsafe(32)
    return str(session[_CSRF])


def check_csrf() -> None:
    """Raise CsrfRejected if an unsafe request lacks this session's CSRF token (use as before_request)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    expected = session.get(_CSRF) or ""
    if not expected or not hmac.compare_digest(str(expected), sent):
        raise CsrfRejected("The form has expired or was not sent from this site: reload the page.")


def csrf_protect(view: F) -> F:
    """Refuse unsafe requests without the session's CSRF token (for views outside require_role)."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check_csrf()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def mark_browser_request() -> None:
    """Flag this request as a staff page's (a before_request hook of the staff blueprints)."""
    g.setdefault(_BROWSER, True)


def from_browser_session() -> bool:
    """Tell whether this request comes from a browser's session, the staff pages, not from a token.

    True without an ``Authorization`` header when a user is logged in, when this request's session has
    just ended (idle, disabled user, changed password), or when a staff page's blueprint was asked (the
    login form). The CTI API, the voice webhooks and API clients with a bearer token are never one.
    """
    if request.headers.get("Authorization") is not None:
        return False
    return bool(g.get(_BROWSER)) or _USER in session


def safe_next_url(default: str = "/") -> str:
    """Return the ``next`` argument if it is a path of this site, else ``default`` (no open redirect)."""
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _request_principal() -> Principal:
    header = request.headers.get("Authorization")
    if header is None:
        return _session_principal()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidCredentials("Send the token as 'Authorization: Bearer <token>'.")
    g.principal = services().identity.verify_token(token.strip())
    return g.principal  # type: ignore[no-any-return]


def _session_principal() -> Principal:
    if _USER not in session:
        raise InvalidCredentials("Log in first.")
    g.setdefault(_BROWSER, True)  # still a browser's session if it ends below
    now = _now()
    if now - int(session.get(_SEEN, 0)) > services().settings.session_idle_minutes * 60:
        _end_session()
        raise SessionExpired("Your session was idle too long: log in again.")
    try:
        principal: Principal = services().identity.session_principal(session[_USER], session.get(_STAMP, ""))
    except InvalidCredentials:
        _end_session()
        raise
    check_csrf()
    session[_SEEN] = now
    g.principal = principal
    return principal


def _end_session() -> None:
    """Forget who was logged in, keeping only the language of the pages (the refusal and the login form
    that follow are still in it)."""
    language = session.get(SESSION_LANGUAGE)
    session.clear()
    if language:
        session[SESSION_LANGUAGE] = language


def _now() -> int:
    return int(services().clock.now().timestamp())
