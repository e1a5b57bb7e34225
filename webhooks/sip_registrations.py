"""``POST /cti/v1/registrations``: the SIP edge reports agents' phones registering and expiring.

Signed like the rest of the CTI API (``X-Callcenter-Signature``, webhooks.signatures) and checked
against webhooks/schemas/cti-registration-request.json; the answer says whether the user counts as
registered now. Registered by callcenter.web.blueprints next to webhooks.cti.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from callcenter.domain.sip_accounts import PhoneContact, RegistrationReport
from callcenter.web.app import services
from webhooks import cti_payloads, signatures
from webhooks.cti import signed_json

bp = Blueprint("sip_registrations", __name__, url_prefix="/cti/v1")


@bp.errorhandler(signatures.SignatureRejected)
def rejected(exc: signatures.SignatureRejected) -> tuple[Response, int]:
    return jsonify({"error": exc.code, "message": exc.message}), 401


@bp.post("/registrations")
def registrations() -> Response:
    body = signed_json()
    return jsonify(services().phone_registrations.report(registration_report(body)))


def registration_report(body: dict[str, Any]) -> RegistrationReport:
    """Read a registration report (raise InvalidInput naming every bad field)."""
    data = cti_payloads.validate("cti-registration-request", body)
    contacts = data.get("contacts")
    return RegistrationReport(
        data["event_id"], data["user"].strip().lower(), float(data["sent_at"]),
        tuple(_contact(c) for c in contacts) if contacts is not None else None,
        tuple(data.get("expired", ())))


def _contact(data: dict[str, Any]) -> PhoneContact:
    return PhoneContact(data["uri"], datetime.fromtimestamp(data["expires_at"], UTC),
                        data.get("user_agent", ""), data.get("source", ""))
