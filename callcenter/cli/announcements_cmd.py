"""`callcenter announcements render|text`: prepare the announcement audio, or show what it says.

``render`` converts the operators' recordings (announcements_dir, ``<kind>-<lang>.<ext>``) or speaks
the texts (their ``<kind>-<lang>.txt`` templates, else the built-in ones) into
``<data_dir>/announcements/<kind>-<lang>.wav`` (8 kHz mono 16-bit) and ``.u8.wav`` (8-bit, for
pyVoIP); unchanged ones come from the cache. ``text`` prints what text-to-speech says right now.
"""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli.output import print_json
from callcenter.domain.announcement_speech import KINDS, LANGUAGES
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("announcements", help="render the announcements callers hear (closed, busy, probe)")
    asub = p.add_subparsers(dest="announcements_command", required=True)
    render = asub.add_parser("render", help="convert recordings or speak the texts to 8 kHz mono, cached")
    _kind_lang(render)
    render.set_defaults(handler=run_render)
    text = asub.add_parser("text", help="print what text-to-speech says for an announcement right now")
    text.add_argument("--kind", choices=KINDS, required=True)
    text.add_argument("--lang", choices=LANGUAGES, required=True)
    text.set_defaults(handler=run_text)


def _kind_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", choices=KINDS, help="only this announcement (else all)")
    parser.add_argument("--lang", choices=LANGUAGES, help="only this language (else fr, nl, de, en)")


def run_render(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.announcer_wiring import announcement_service

    service = announcement_service(settings)
    done = service.render_all([args.kind] if args.kind else KINDS, [args.lang] if args.lang else LANGUAGES)
    print_json([{"kind": r.kind, "language": r.language, "wav": r.wav_path, "pcm8": r.pcm8_path,
                 "source": r.source, "duration_s": round(r.duration_s, 2), "rendered": r.rendered}
                for r in done])
    return 0


def run_text(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.announcer_wiring import announcement_service

    print(announcement_service(settings).text(args.kind, args.lang))
    return 0
