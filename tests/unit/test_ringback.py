"""The ringing tone: one cycle of 425 Hz for 1 s then 3 s of silence, 8 kHz mono, rendered once."""

from __future__ import annotations

import array
import wave
from pathlib import Path

from webhooks.ringback import ringback_file


def test_the_tone_is_one_european_ringing_cycle_rendered_once(tmp_path: Path) -> None:
    path = ringback_file(tmp_path)
    assert path == (tmp_path / "media" / "ringback.wav").resolve()
    with wave.open(str(path)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
        samples = array.array("h", audio.readframes(audio.getnframes()))
    assert len(samples) == 4 * 8000
    tone, silence = samples[:8000], samples[8000:]
    crossings = sum(1 for a, b in zip(tone, tone[1:], strict=False) if (a < 0) != (b < 0))
    assert 840 <= crossings <= 860  # 425 Hz: 850 sign changes a second
    assert max(abs(s) for s in silence) == 0 and 5000 < max(abs(s) for s in tone) < 10000
    modified = path.stat().st_mtime_ns
    assert ringback_file(tmp_path).stat().st_mtime_ns == modified  # kept, not rendered again
