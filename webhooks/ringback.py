"""The ringing tone a waiting caller hears: the European 425 Hz tone, 1 s on and 3 s off (ETSI TR 101 041).

Rendered once with pydub as one 4-second cycle (8 kHz, mono, 16-bit PCM: telephone quality, small for
the provider to fetch) into the data directory; TwiML loops it. Several web workers may render it at
the same moment: each writes a file of its own and renames it into place, so nobody reads half a file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

TONE_HZ = 425
ON_MS = 1000
OFF_MS = 3000
CYCLE_S = (ON_MS + OFF_MS) / 1000
FRAME_RATE = 8000
VOLUME_DBFS = -13.0  # about the level of a network's ringing tone; full scale would be painful
FADE_MS = 10  # soft edges: no click when the tone starts and stops
FILE_NAME = "ringback.wav"

_lock = threading.Lock()


def ringback_file(data_dir: Path) -> Path:
    """Return the tone's file under ``data_dir/media``, rendering it on first use."""
    path = (data_dir / "media" / FILE_NAME).resolve()
    if not path.exists():
        with _lock:
            if not path.exists():
                render(path)
    return path


def render(path: Path) -> None:
    """Write one cycle of the ringing tone to ``path`` as a WAV file."""
    from pydub import AudioSegment
    from pydub.generators import Sine

    tone = Sine(TONE_HZ, sample_rate=FRAME_RATE, bit_depth=16).to_audio_segment(duration=ON_MS,
                                                                                 volume=VOLUME_DBFS)
    cycle = tone.fade_in(FADE_MS).fade_out(FADE_MS) + AudioSegment.silent(duration=OFF_MS,
                                                                           frame_rate=FRAME_RATE)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    cycle.set_channels(1).export(scratch, format="wav")
    os.replace(scratch, path)
