"""The SIP text helpers of the pyVoIP fixes: raw headers, dialogs, responses (no network)."""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.sip import sip_text as text

INVITE = (
    "INVITE sip:announcer@10.0.0.5:5070 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKk1;rport=5060;received=10.0.0.1\r\n"
    "v: SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bKup;x-up=1\r\n"
    "Record-Route: <sip:10.0.0.1;lr;ftag=a1>, <sip:192.0.2.7;lr>\r\n"
    "From: \"Anne\" <sip:+3226000001@trunk>;tag=a1\r\n"
    "To: <sip:+3225088586@callcenter>\r\n"
    "call-id: c-1\r\n"
    "CSeq: 7 INVITE\r\n"
    "Contact: <sip:anne@192.0.2.7:5080;transport=udp>;expires=60\r\n"
    "X-Announcement: busy\r\n"
    "Content-Length: 0\r\n\r\n"
)


@dataclass
class Message:
    raw: bytes


def test_headers_are_read_exactly_in_any_case_and_compact_form() -> None:
    invite = Message(INVITE.encode())
    assert text.header_values(invite, "Via") == [
        "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKk1;rport=5060;received=10.0.0.1",
        "SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bKup;x-up=1"]
    assert text.header(invite, "Call-ID") == "c-1" and text.header(invite, "x-announcement") == "busy"
    assert text.header(invite, "X-Language") is None
    assert text.branch_of(invite) == "z9hG4bKk1"


def test_lists_split_outside_angle_brackets_and_quotes() -> None:
    parts = text.split_list('<sip:a;lr>, "x, y" <sip:b>, <sip:c,d>')
    assert parts == ["<sip:a;lr>", '"x, y" <sip:b>', "<sip:c,d>"]
    assert text.tag_of('"Anne" <sip:a@b;tag=no>;tag=a1;x=1') == "a1" and text.tag_of("<sip:a@b>") == ""
    contact = "<sip:anne@192.0.2.7:5080;transport=udp>;expires=60"
    assert text.uri_of(contact) == "sip:anne@192.0.2.7:5080;transport=udp"
    assert text.uri_of("sip:sipp@127.0.0.1:5061;expires=60") == "sip:sipp@127.0.0.1:5061"


def test_the_callees_dialog_routes_its_bye_through_the_record_route_in_order() -> None:
    dialog = text.Dialog.as_callee(Message(INVITE.encode()), "ours")
    bye = dialog.request("BYE", "SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKnew;rport", 1)
    lines = bye.split("\r\n")
    assert lines[0] == "BYE sip:anne@192.0.2.7:5080;transport=udp SIP/2.0"
    assert [line for line in lines if line.startswith("Route:")] == [
        "Route: <sip:10.0.0.1;lr;ftag=a1>", "Route: <sip:192.0.2.7;lr>"]
    assert "From: <sip:+3225088586@callcenter>;tag=ours" in lines
    assert 'To: "Anne" <sip:+3226000001@trunk>;tag=a1' in lines and "CSeq: 1 BYE" in lines


def test_the_callers_dialog_reverses_the_route_set() -> None:
    ok_text = INVITE.replace("INVITE sip:announcer@10.0.0.5:5070 SIP/2.0", "SIP/2.0 200 OK")
    tagged = ok_text.replace("To: <sip:+3225088586@callcenter>", "To: <sip:+3225088586@callcenter>;tag=b2")
    ok = Message(tagged.encode())
    dialog = text.Dialog.as_caller(ok)
    assert dialog.routes == ("<sip:192.0.2.7;lr>", "<sip:10.0.0.1;lr;ftag=a1>")
    assert dialog.remote.endswith(";tag=b2") and dialog.cseq == 7


def test_responses_copy_the_request_and_tag_the_to_once() -> None:
    response = text.response(Message(INVITE.encode()), "487 Request Terminated", to_tag="t9")
    lines = response.split("\r\n")
    assert lines[0] == "SIP/2.0 487 Request Terminated"
    assert lines[1:3] == ["Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKk1;rport=5060;received=10.0.0.1",
                          "Via: SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bKup;x-up=1"]
    assert "To: <sip:+3225088586@callcenter>;tag=t9" in lines and "CSeq: 7 INVITE" in lines
    already = Message(INVITE.replace("callcenter>", "callcenter>;tag=x").encode())
    tagged = text.response(already, "200 OK", to_tag="t9")
    assert "To: <sip:+3225088586@callcenter>;tag=x" in tagged.split("\r\n")
