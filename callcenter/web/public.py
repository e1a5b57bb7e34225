"""The citizen's public status page, GET/POST /status: a registration number plus an e-mail or phone number.

The second factor travels in a POST body, never in a URL (and so never in access logs or history).
Every answer is a page in the reader's language; refusals keep the HTTP status of their kind
(400 unreadable, 422 mistyped number, 403 expired form, 404 no such question for these details,
429 too many lookups) with the same page layout.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException

from callcenter.domain.errors import InvalidInput
from callcenter.domain.public_status import TooManyLookups
from callcenter.domain.registration import MistypedRegistrationNumber
from callcenter.web import public_text as text
from callcenter.web.app import services
from callcenter.web.auth import CsrfRejected, csrf_protect
from callcenter.web.i18n import LANGUAGE_NAMES, LANGUAGES, current_language, init_i18n

log = logging.getLogger(__name__)

bp = Blueprint("public", __name__)

# The page holds no third-party resource, no inline script or style, and may not be framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # a shared computer's back button must not show someone's status
}


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    init_i18n(state.app)


@bp.after_request
def _protect(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.get("/status")
def status_form() -> str:
    return _form_page()


@bp.post("/status")
@csrf_protect
def status_lookup() -> tuple[str, int]:
    form = request.form
    found = services().public_status.check(form.get("registration_number", ""), form.get("second_factor", ""),
                                           client=request.remote_addr or "unknown")
    if found is None:
        return _form_page(notice=text.not_found_notice()), 404
    zone = ZoneInfo(services().settings.timezone)
    return render_template("public/status_result.html", result=text.status_view(found, zone),
                           **_page_context()), 200


@bp.errorhandler(InvalidInput)
@bp.errorhandler(MistypedRegistrationNumber)
def _unreadable(exc: InvalidInput | MistypedRegistrationNumber) -> tuple[str, int]:
    status = 422 if isinstance(exc, MistypedRegistrationNumber) else 400
    return _form_page(errors=text.field_errors(exc.fields), values=request.form), status


@bp.errorhandler(TooManyLookups)
def _too_many(exc: TooManyLookups) -> tuple[str, int, dict[str, str]]:
    page = _form_page(notice=text.too_many_notice(exc.retry_after_s))
    return page, 429, {"Retry-After": str(exc.retry_after_s)}


@bp.errorhandler(CsrfRejected)
def _expired(exc: CsrfRejected) -> tuple[str, int]:
    return _form_page(notice=text.expired_notice()), 403


@bp.errorhandler(Exception)
def _failure(exc: Exception) -> HTTPException | tuple[str, int]:
    if isinstance(exc, HTTPException):
        return exc
    log.exception("public status page failed")
    return _form_page(notice=text.failure_notice()), 500


def _form_page(*, errors: list[text.FieldError] | None = None, values: Any = None,
               notice: text.Notice | None = None) -> str:
    # Typed values come back only to be corrected: a refused lookup shows an empty form, the same
    # for an unknown number as for a wrong e-mail or phone number.
    kept = {name: (values or {}).get(name, "") for name in text.FIELD_ORDER}
    return render_template("public/status_form.html", errors=errors or [], notice=notice, values=kept,
                           field_errors={e.field: e.message for e in errors or []},
                           example=text.EXAMPLE_NUMBER, **_page_context())


def _page_context() -> dict[str, Any]:
    lang = current_language()
    languages = [(code, LANGUAGE_NAMES[code], url_for("public.status_form", lang=code)) for code in LANGUAGES]
    return {"lang": lang, "languages": languages, "write_address": services().settings.write_address}
