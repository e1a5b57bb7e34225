"""Audio the telephony provider fetches for ``<Play>``: the ringing tone and the recorded announcements.

Public (GET, no signature: the provider fetches media without signing, and these hold nothing
private). Announcements are files ``<data_dir>/announcements/<kind>-<lang>.wav`` (kind: closed, busy,
busy-callback; lang: fr, nl, de, en), rendered there by the announcements feature; when a file is
absent, the TwiML says the text instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, send_file

from callcenter.domain.errors import NotFound
from callcenter.web.app import services
from webhooks.ringback import ringback_file

RINGBACK_PATH = "/media/ringback.wav"
ANNOUNCEMENT_KINDS = ("closed", "busy", "busy-callback")
LANGUAGES = ("fr", "nl", "de", "en")
_NAMES = frozenset(f"{kind}-{lang}" for kind in ANNOUNCEMENT_KINDS for lang in LANGUAGES)
TONE_MAX_AGE_S = 86400
ANNOUNCEMENT_MAX_AGE_S = 300  # operators replace announcements; the provider caches what it fetched

bp = Blueprint("media", __name__, url_prefix="/media")


def announcement_name(decision: Mapping[str, Any]) -> str:
    """Name the recording of an announce decision: closed, busy, or busy-callback (a callback promised)."""
    kind = decision["announcement"]
    if kind == "busy" and decision.get("callback"):
        kind = "busy-callback"
    return f"{kind}-{decision['language']}"


def announcement_file(data_dir: Path, name: str) -> Path | None:
    """Return the recorded announcement ``name`` if one was rendered, else None."""
    if name not in _NAMES:
        return None
    path = (data_dir / "announcements" / f"{name}.wav").resolve()
    return path if path.is_file() else None


@bp.get("/ringback.wav")
def ringback() -> Response:
    path = ringback_file(services().settings.data_dir)
    return send_file(path, mimetype="audio/wav", max_age=TONE_MAX_AGE_S, conditional=True)


@bp.get("/announcements/<name>.wav")
def announcement(name: str) -> Response:
    path = announcement_file(services().settings.data_dir, name)
    if path is None:
        raise NotFound(f"There is no recorded announcement {name!r}.")
    return send_file(path, mimetype="audio/wav", max_age=ANNOUNCEMENT_MAX_AGE_S, conditional=True)
