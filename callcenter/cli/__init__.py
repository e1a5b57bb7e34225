"""The `callcenter` command: one module per command group, registered in COMMAND_MODULES.

Exit codes: 0 success, 1 the thing checked failed (e.g. a probe), 2 bad input or settings (one sentence
on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from callcenter.domain.errors import DomainError
from callcenter.settings import SettingsError, load_settings

COMMAND_MODULES = [
    "callcenter.cli.config_cmd",
    "callcenter.cli.db_cmd",
    "callcenter.cli.calendar_cmd",
    "callcenter.cli.processes_cmd",
    "callcenter.cli.users_cmd",
    "callcenter.cli.tokens_cmd",
    "callcenter.cli.outbox_cmd",
    "callcenter.cli.agenda_cmd",
    "callcenter.cli.sla_cmd",
    "callcenter.cli.agents_cmd",
    "callcenter.cli.calls_cmd",
    "callcenter.cli.sip_cmd",
    "callcenter.cli.announcements_cmd",
    "callcenter.cli.webhooks_cmd",
]


class UsageError(Exception):
    """Bad input on the command line; printed as one sentence, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: {message[0].upper()}{message[1:]}.\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="callcenter", description="Front-office telephony: routing, screen-pop, CRM.")
    parser.add_argument("--config", type=Path, help="TOML settings file (else CALLCENTER_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(config_file=args.config)
        return int(args.handler(args, settings) or 0)
    except (UsageError, SettingsError) as exc:
        sys.stderr.write(f"callcenter: {exc}\n")
        return 2
    except DomainError as exc:
        sys.stderr.write(f"callcenter: {exc.message}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
