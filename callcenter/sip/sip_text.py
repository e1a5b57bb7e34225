"""SIP message text for the pyVoIP fixes: raw header values, dialogs, and the requests/responses we build.

pyVoIP 1.6.8 parses headers into a dict that keeps only the first header of each name, drops Via and
From/To parameters it does not know, and is case-sensitive. Responses and in-dialog requests must
copy some headers exactly (every Via, Record-Route, From, To, Call-ID, CSeq), so these helpers read
them from the raw message instead.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

USER_AGENT = "pyVoIP 1.6.8 (callcenter fixes)"
_COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length"}
_TAG = re.compile(r";\s*tag=([^;>\s]+)", re.IGNORECASE)
_BRANCH = re.compile(r";\s*branch=([^;,\s]+)", re.IGNORECASE)


def header_values(message: Any, name: str) -> list[str]:
    """Return the values of every ``name`` header of a pyVoIP SIPMessage, in order, exactly as sent."""
    head = bytes(message.raw).split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    wanted = name.lower()
    values = []
    for line in head.split("\r\n")[1:]:
        field, sep, value = line.partition(":")
        key = field.strip().lower()
        if sep and _COMPACT.get(key, key) == wanted:
            values.append(value.strip())
    return values


def header(message: Any, name: str) -> str | None:
    """Return the first ``name`` header's value (case-insensitive), or None."""
    found = header_values(message, name)
    return found[0] if found else None


def split_list(value: str) -> list[str]:
    """Split a comma-separated header value (Record-Route, Via) at commas outside <…> and quotes."""
    parts, depth, quoted, current = [], 0, False, ""
    for char in value:
        if char == '"':
            quoted = not quoted
        elif char == "<" and not quoted:
            depth += 1
        elif char == ">" and not quoted:
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def tag_of(value: str) -> str:
    """Return the tag parameter of a From/To value ('' when absent)."""
    match = _TAG.search(value.rsplit(">", 1)[-1] if ">" in value else value)
    return match.group(1) if match else ""


def with_tag(value: str, tag: str) -> str:
    """Return a To value carrying ``tag`` (kept as is when it already has one)."""
    return value if tag_of(value) else f"{value};tag={tag}"


def uri_of(value: str) -> str:
    """Return the URI of a name-addr or addr-spec value (Contact, To): '<sip:a@b;x>;p' -> 'sip:a@b;x'."""
    if "<" in value:
        return value.split("<", 1)[1].split(">", 1)[0]
    return value.split(";", 1)[0].strip()


def branch_of(message: Any) -> str:
    """Return the branch of the top Via of a message ('' when absent)."""
    vias = [v for value in header_values(message, "Via") for v in split_list(value)]
    match = _BRANCH.search(vias[0]) if vias else None
    return match.group(1) if match else ""


def new_branch() -> str:
    return "z9hG4bK" + uuid.uuid4().hex[:20]


def response(request: Any, status: str, *, to_tag: str, extra: tuple[str, ...] = ()) -> str:
    """Build a response to ``request`` copying Via, From, To (tagged), Call-ID and CSeq exactly."""
    lines = [f"SIP/2.0 {status}"]
    lines += [f"Via: {v}" for v in header_values(request, "Via")]
    lines.append(f"From: {header(request, 'From')}")
    lines.append(f"To: {with_tag(header(request, 'To') or '', to_tag)}")
    lines.append(f"Call-ID: {header(request, 'Call-ID')}")
    lines.append(f"CSeq: {header(request, 'CSeq')}")
    lines += list(extra)
    lines += [f"User-Agent: {USER_AGENT}", "Content-Length: 0"]
    return "\r\n".join(lines) + "\r\n\r\n"


def insert_after_status(message: str, lines: list[str]) -> str:
    """Insert header lines right after the first line of a message we built."""
    if not lines:
        return message
    first, rest = message.split("\r\n", 1)
    return first + "\r\n" + "".join(f"{line}\r\n" for line in lines) + rest


@dataclass
class Dialog:
    """What an in-dialog request needs (RFC 3261 12): both ends, the remote target, the route set."""

    call_id: str
    local: str  # our From value in requests we send, tag included
    remote: str  # their To value in requests we send, tag included
    target: str  # the remote Contact URI: the Request-URI of our BYE and ACK
    routes: tuple[str, ...]  # Route header values, in the order we send them
    cseq: int  # the last CSeq number we used

    @classmethod
    def as_callee(cls, invite: Any, local_tag: str) -> Dialog:
        """Return the dialog our 200 to ``invite`` creates (we are the callee)."""
        routes = tuple(r for value in header_values(invite, "Record-Route") for r in split_list(value))
        return cls(header(invite, "Call-ID") or "", with_tag(header(invite, "To") or "", local_tag),
                   header(invite, "From") or "", uri_of(header(invite, "Contact") or ""), routes, 0)

    @classmethod
    def as_caller(cls, ok: Any) -> Dialog:
        """Return the dialog a 200 to our INVITE creates (we are the caller): its route set reversed."""
        routes = [r for value in header_values(ok, "Record-Route") for r in split_list(value)]
        cseq = int((header(ok, "CSeq") or "1").split()[0])
        return cls(header(ok, "Call-ID") or "", header(ok, "From") or "", header(ok, "To") or "",
                   uri_of(header(ok, "Contact") or ""), tuple(reversed(routes)), cseq)

    def request(self, method: str, via: str, cseq: int) -> str:
        """Build an in-dialog request (BYE, or the ACK of a 2xx) along the route set."""
        lines = [f"{method} {self.target} SIP/2.0", f"Via: {via}"]
        lines += [f"Route: {r}" for r in self.routes]
        lines += ["Max-Forwards: 70", f"From: {self.local}", f"To: {self.remote}", f"Call-ID: {self.call_id}",
                  f"CSeq: {cseq} {method}", f"User-Agent: {USER_AGENT}", "Content-Length: 0"]
        return "\r\n".join(lines) + "\r\n\r\n"


def transaction_request(invite: Any, method: str, via: str, to: str) -> str:
    """Build a CANCEL, or the ACK of a non-2xx response, of our ``invite`` (same branch, same CSeq)."""
    request_uri = bytes(invite.raw).split(b" ", 2)[1].decode()
    number = (header(invite, "CSeq") or "1").split()[0]
    lines = [f"{method} {request_uri} SIP/2.0", f"Via: {via}", "Max-Forwards: 70",
             f"From: {header(invite, 'From')}", f"To: {to}", f"Call-ID: {header(invite, 'Call-ID')}",
             f"CSeq: {number} {method}", f"User-Agent: {USER_AGENT}", "Content-Length: 0"]
    return "\r\n".join(lines) + "\r\n\r\n"
