"""`callcenter sip probe [--to NUMBER]`: a test call through Kamailio and the routing API (for monitoring).

Exit 0 when the call is answered and audible audio arrives, 1 otherwise; one line says what happened.
Registered under `callcenter sip` by callcenter.cli.sip_cmd.
"""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli import UsageError
from callcenter.settings import Settings


def register_probe(ssub: Any) -> None:
    """Add `sip probe` to the subcommands of `callcenter sip`."""
    p = ssub.add_parser("probe", help="place a test call; exit 0 when it is answered with audio, 1 otherwise")
    p.add_argument("--to", help="number to dial (else the sip_probe_number setting)")
    p.add_argument("--timeout", type=float, help="seconds to wait for the answer and audio "
                                                 "(else sip_probe_timeout_s)")
    p.set_defaults(handler=run_probe)


def run_probe(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.announcer_wiring import probe

    number = (args.to or settings.sip_probe_number).strip()
    if not number:
        raise UsageError("There is no number to dial: give --to or set sip_probe_number.")
    if args.timeout is not None and not 0 < args.timeout <= 300:
        raise UsageError("The timeout is a number of seconds from 0 to 300.")
    result = probe(settings, timeout_s=args.timeout).run(number)
    print(result.line)
    return 0 if result.ok else 1
