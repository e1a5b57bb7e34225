"""`callcenter simulate-call` (drive the CTI API like a PBX) and `demo-calls` (a child of `up --demo`).

    callcenter simulate-call --from "+32 471 12 34 56" [--to +3225088586] [--answer-after 3] [--duration 30]

Requests are signed with the CTI secret of the settings (CALLCENTER_CTI_SECRET, else the one derived
from the secret key, as the web process does). Each step is printed as it happens; the exit code is
1 when the API refused a step or could not be reached.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from callcenter.cli import UsageError
from callcenter.domain.errors import InvalidInput
from callcenter.domain.phone import normalise_phone
from callcenter.domain.routing import parse_service_numbers
from callcenter.settings import Settings

DEFAULT_SERVICE_NUMBER = "+3225088586"


def register(sub: Any) -> None:
    p = sub.add_parser("simulate-call", help="drive one call through the CTI API like a PBX would")
    p.add_argument("--from", dest="from_number", required=True, help="the caller's number")
    p.add_argument("--to", help="the service number dialled (default: the first of service_numbers)")
    p.add_argument("--answer-after", type=float, default=3.0, help="seconds before the first target answers")
    p.add_argument("--no-answer", action="store_true", help="nobody answers: rounds go by until 'busy'")
    p.add_argument("--duration", type=float, default=30.0, help="seconds the answered call lasts")
    p.add_argument("--give-up-after", type=float, default=600.0, help="seconds before the caller hangs up")
    p.add_argument("--test", action="store_true", help="mark the call as a test (left out of statistics)")
    p.add_argument("--url", help="base URL of the web process (default http://<web_host>:<web_port>)")
    p.set_defaults(handler=run_simulate)
    demo = sub.add_parser("demo-calls", help="(run by `up --demo`) place a simulated call now and then")
    demo.add_argument("--url", help="base URL of the web process")
    demo.add_argument("--every", type=float, help="seconds between calls (default: demo_call_every_s)")
    demo.set_defaults(handler=run_demo_calls)


def run_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from webhooks.simulated_pbx import CallScript, SimulatedCall

    script = CallScript(_number(args.from_number, "--from"), _dialled(args.to, settings),
                        None if args.no_answer else _seconds(args.answer_after, "--answer-after"),
                        _seconds(args.duration, "--duration"),
                        _seconds(args.give_up_after, "--give-up-after"),
                        args.test)
    return SimulatedCall(_client(args.url, settings), script, _say).run()


def run_demo_calls(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.bootstrap import build_services
    from callcenter.cli.processes_cmd import _prepare, _serve
    from callcenter.demo_calls import DemoCaller

    _prepare(settings)
    services = build_services(settings)
    try:
        every = _seconds(args.every if args.every is not None else settings.demo_call_every_s, "--every")
        return _serve(DemoCaller(services, _client(args.url, settings), max(every, 1.0), _say))
    finally:
        services.close()


def _client(url: str | None, settings: Settings) -> Any:
    from webhooks.cti_client import CtiClient
    from webhooks.signatures import cti_secret

    host = "127.0.0.1" if settings.web_host in ("", "0.0.0.0", "::") else settings.web_host
    return CtiClient(url or f"http://{host}:{settings.web_port}", cti_secret(settings))


def _dialled(to: str | None, settings: Settings) -> str:
    if to:
        return _number(to, "--to")
    numbers = list(parse_service_numbers(settings.service_numbers))
    return numbers[0] if numbers else DEFAULT_SERVICE_NUMBER


def _number(text: str, option: str) -> str:
    try:
        return normalise_phone(text, field=option)
    except InvalidInput:
        raise UsageError(f"{option} {text!r} is not a phone number.") from None


def _seconds(value: float, option: str) -> float:
    if value < 0:
        raise UsageError(f"{option} cannot be negative.")
    return value


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
