"""Staff pages' common ground: log in and out, the language switcher, security headers, page context.

Logging in starts a fresh session (auth.login_user) in the user's preferred language; logging out of a
panel sets the agent offline at once. The switcher stores the language on the user (and in the session).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from callcenter.domain.identity import InvalidCredentials, Principal, Role
from callcenter.web.app import services
from callcenter.web.auth import (
    csrf_protect,
    current_principal,
    login_user,
    logout_user,
    mark_browser_request,
    require_role,
    safe_next_url,
)
from callcenter.web.errors import envelope, message_for
from callcenter.web.i18n import LANGUAGE_NAMES, LANGUAGES, SESSION_LANGUAGE, current_language, init_i18n

bp = Blueprint("staff", __name__)

# Staff pages load only our own scripts and styles (no inline script), and may not be framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
SUPERVISING = (Role.SUPERVISOR, Role.COORDINATOR)


PAGES = frozenset({"agent.panel", "supervisor.board"})  # opened by people: sent to log in, not refused


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    init_i18n(state.app)


def protect(response: Response) -> Response:
    """Add the staff pages' security headers (an after_request hook of each staff blueprint)."""
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Cookie")
    return response


def to_login(exc: InvalidCredentials) -> ResponseReturnValue:
    """Send a person opening a page to the login form; scripts and streams get the 401 envelope."""
    if request.endpoint in PAGES:
        return redirect(url_for("staff.login_form", next=request.full_path.rstrip("?")))
    response, status = envelope(exc.code, message_for(exc.code, exc.message, exc.fields), 401)
    return response, status


def guard(blueprint: Blueprint) -> None:
    """Give a staff blueprint its security headers, its answer to requests without a session, and its
    refusals in the language of its pages."""
    blueprint.before_request(mark_browser_request)
    blueprint.after_request(protect)
    blueprint.register_error_handler(InvalidCredentials, to_login)


guard(bp)


@bp.get("/login")
def login_form() -> str:
    return render_template("staff/login.html", error=None, username="", **page_context())


@bp.post("/login")
@csrf_protect
def login() -> BaseResponse | tuple[str, int]:
    username = request.form.get("username", "")
    try:
        user = services().identity.authenticate(username, request.form.get("password", ""))
    except InvalidCredentials:
        page = render_template("staff/login.html", error=gettext("The username or password is wrong."),
                               username=username, **page_context())
        return page, 401
    login_user(user)
    session[SESSION_LANGUAGE] = user.language
    return redirect(safe_next_url(_home(user.roles)))


@bp.post("/logout")
@require_role(*Role)
def logout() -> BaseResponse:
    principal = current_principal()
    if Role.AGENT in principal.roles and principal.user_id is not None:
        services().panels.logged_out(principal.user_id)
    logout_user()
    return redirect(url_for("staff.login_form"))


@bp.post("/language")
@csrf_protect
def choose_language() -> BaseResponse:
    """Switch the language of this browser (before logging in)."""
    session[SESSION_LANGUAGE] = _language_asked()
    return redirect(safe_next_url(url_for("staff.login_form")))


@bp.post("/account/language")
@require_role(*Role)
def save_language() -> BaseResponse:
    """Switch and remember the logged-in user's language."""
    language = _language_asked()
    services().identity.set_language(current_principal().user_id, language)
    session[SESSION_LANGUAGE] = language
    return redirect(safe_next_url(url_for("agent.panel")))


def page_context(principal: Principal | None = None) -> dict[str, Any]:
    """Return what the staff layout needs: language, switcher, who is logged in and their pages."""
    roles = principal.roles if principal else frozenset()
    return {
        "lang": current_language(),
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "principal": principal,
        "is_agent": Role.AGENT in roles,
        "is_supervisor": not roles.isdisjoint(SUPERVISING),
    }


def _home(roles: frozenset[Role]) -> str:
    if Role.AGENT in roles:
        return url_for("agent.panel")
    if not roles.isdisjoint(SUPERVISING):
        return url_for("supervisor.board")
    return url_for("staff.login_form")


def _language_asked() -> str:
    language = request.form.get("language", "")
    return language if language in LANGUAGES else current_language()
