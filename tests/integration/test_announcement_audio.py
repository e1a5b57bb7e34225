"""Announcement files with the real espeak-ng, pydub and ffmpeg: conversion, cache, operator files, CLI."""

from __future__ import annotations

import array
import json
import math
import subprocess
import wave
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callcenter.announcement_audio import AnnouncementFiles, EspeakNg
from callcenter.cli import main
from callcenter.services.announcements import AnnouncementAudioError, AnnouncementService
from callcenter.services.clock import FixedClock
from tests.unit.test_announcement_service import EVENING, Calendar

FRIDAY_EVENING = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)


class CountingTts(EspeakNg):
    def __init__(self) -> None:
        super().__init__()
        self.spoken = 0

    def speak(self, text: str, language: str) -> Any:
        self.spoken += 1
        return super().speak(text, language)


def library(root: Path, operator: Path | None = None, tts: CountingTts | None = None,
            at: datetime = EVENING) -> AnnouncementService:
    files = AnnouncementFiles(root, operator, tts or CountingTts())
    return AnnouncementService(files, Calendar(), FixedClock(at), address="question@mi-is.be")


def shape(path: str) -> tuple[int, int, int, float]:
    with wave.open(path, "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


def rms16(path: str) -> float:
    with wave.open(path, "rb") as w:
        samples = array.array("h", w.readframes(w.getnframes()))
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def test_text_to_speech_becomes_8_khz_mono_in_16_and_8_bits(tmp_path: Path) -> None:
    rendered = library(tmp_path).audio("busy", "nl")
    assert rendered.rendered and rendered.source == "text" and "apenstaartje" in (rendered.text or "")
    rate, channels, width, seconds = shape(rendered.wav_path)
    assert (rate, channels, width) == (8000, 1, 2) and seconds > 3
    assert shape(rendered.pcm8_path)[:3] == (8000, 1, 1) and shape(rendered.pcm8_path)[3] == seconds
    assert rms16(rendered.wav_path) > 1500  # speech, normalised near full scale
    assert Path(rendered.wav_path) == tmp_path / "busy-nl.wav"  # where other telephony finds it


def test_the_second_time_comes_from_the_cache_even_in_another_process(tmp_path: Path) -> None:
    tts = CountingTts()
    first = library(tmp_path, tts=tts).audio("probe", "de")
    again = library(tmp_path, tts=tts).audio("probe", "de")  # a new store: as another process would
    assert (first.rendered, again.rendered, tts.spoken) == (True, False, 1)


def test_closed_is_rendered_again_when_the_next_opening_moves(tmp_path: Path) -> None:
    tts = CountingTts()
    thursday = library(tmp_path, tts=tts).audio("closed", "fr")
    current = Path(thursday.wav_path).read_bytes()
    friday = library(tmp_path, tts=tts, at=FRIDAY_EVENING).audio("closed", "fr")
    assert friday.rendered and tts.spoken == 2 and "lundi 30 novembre" in (friday.text or "")
    assert Path(friday.wav_path).read_bytes() != current  # the current file follows
    assert len(list((tmp_path / "cache").glob("closed-fr-*.u8.wav"))) == 2


@pytest.mark.parametrize("suffix", [".wav", ".mp3"])
def test_an_operator_recording_is_preferred_and_converted(tmp_path: Path, suffix: str) -> None:
    operator = tmp_path / "ops"
    operator.mkdir()
    recording = _stereo_recording(operator, f"closed-fr{suffix}")
    (operator / "closed-fr.txt").write_text("Fermé.", encoding="utf-8")  # the recording wins over it
    tts = CountingTts()
    rendered = library(tmp_path / "out", operator, tts).audio("closed", "fr")
    assert rendered.source == f"recording {recording.name}" and tts.spoken == 0
    rate, channels, width, seconds = shape(rendered.wav_path)
    assert (rate, channels, width) == (8000, 1, 2) and 0.9 < seconds < 1.2


def test_an_operator_text_template_is_spoken(tmp_path: Path) -> None:
    operator = tmp_path / "ops"
    operator.mkdir()
    (operator / "closed-en.txt").write_text("Closed. Back {when}.", encoding="utf-8")
    rendered = library(tmp_path / "out", operator).audio("closed", "en")
    assert rendered.text == "Closed. Back tomorrow, Friday 27 November, at 8:30 am."


def test_a_recording_that_does_not_decode_is_a_clear_error(tmp_path: Path) -> None:
    operator = tmp_path / "ops"
    operator.mkdir()
    (operator / "busy-fr.ogg").write_bytes(b"not audio at all")
    with pytest.raises(AnnouncementAudioError, match="busy-fr.ogg cannot be read as audio"):
        library(tmp_path / "out", operator).audio("busy", "fr")


def test_the_cli_renders_and_prints_the_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path / "var"))
    assert main(["announcements", "render", "--kind", "probe", "--lang", "en"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["kind"], row["language"], row["rendered"]) == ("probe", "en", True)
    assert Path(row["pcm8"]).exists()
    assert main(["announcements", "text", "--kind", "busy-callback", "--lang", "fr"]) == 0
    assert "nous vous rappellerons" in capsys.readouterr().out


def test_the_cli_says_in_one_sentence_what_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    operator = tmp_path / "ops"
    operator.mkdir()
    (operator / "busy-de.txt").write_text("Besetzt {wer}.", encoding="utf-8")
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CALLCENTER_ANNOUNCEMENTS_DIR", str(operator))
    assert main(["announcements", "render", "--kind", "busy", "--lang", "de"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("callcenter: The announcement text") and "busy-de.txt" in error
    assert error.count("\n") == 0


def _stereo_recording(folder: Path, name: str) -> Path:
    """Write 1 s of a 440 Hz tone, 44.1 kHz stereo: WAV directly, other formats through ffmpeg."""
    source = folder / "source.wav"
    with wave.open(str(source), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        frames = array.array("h")
        for i in range(44100):
            value = int(12000 * math.sin(2 * math.pi * 440 * i / 44100))
            frames.extend((value, value))
        w.writeframes(frames.tobytes())
    target = folder / name
    if target.suffix == ".wav":
        source.rename(target)
    else:
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), str(target)], check=True,
                       timeout=30)
        source.unlink()
    return target
