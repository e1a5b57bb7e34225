"""REST API for contacts: create, read, change, and the screen-pop lookup of a calling number."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from callcenter.web.api_operations import Operation, Param, body, operation, query
from callcenter.web.api_views import contact_out
from callcenter.web.app import services
from callcenter.web.question_commands import contact_patch, new_contact

bp = Blueprint("api_contacts", __name__, url_prefix="/api/v1")

TAG = "Contacts"
READ = ("contacts:read",)
WRITE = ("contacts:write",)


@bp.post("/contacts")
@operation(Operation("Create a contact", TAG, {201: "Contact"}, WRITE, body="NewContact", errors=(422,)))
def create() -> tuple[Response, int, dict[str, str]]:
    contact = services().contacts.create(new_contact(body()))
    location = url_for("api_contacts.read", contact_id=contact.id)
    return jsonify(contact_out(contact)), 201, {"Location": location}


@bp.get("/contacts/lookup")
@operation(Operation(
    "Who is calling: the screen-pop of a number", TAG, {200: "ScreenPop"}, READ,
    query=(Param("number", {"type": "string", "maxLength": 40}, "The calling number as received.",
                 required=True),),
    description="The contacts who gave the number or whose organisation's switchboard it is, each with "
                "open questions (working days left) and, for the number's owner or a household, their "
                "last calls; when several people may be calling, the last calls from the number."))
def lookup() -> Response:
    return jsonify(services().screen_pop.lookup(query()["number"]))


@bp.get("/contacts/<int:contact_id>")
@operation(Operation("Read a contact", TAG, {200: "Contact"}, READ))
def read(contact_id: int) -> Response:
    return jsonify(contact_out(services().contacts.get(contact_id)))


@bp.patch("/contacts/<int:contact_id>")
@operation(Operation("Change a contact", TAG, {200: "Contact"}, WRITE, body="ContactPatch", errors=(422,)))
def edit(contact_id: int) -> Response:
    return jsonify(contact_out(services().contact_edits.patch(contact_id, contact_patch(body()))))
