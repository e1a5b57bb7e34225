"""Announcement files: operator recordings and text-to-speech turned into telephone audio, cached.

Layout under ``<data_dir>/announcements/``:

- ``<kind>-<lang>.wav``: the current audio, 8 kHz mono 16-bit PCM, for any telephony that plays files;
- ``<kind>-<lang>.u8.wav``: the same as 8 kHz mono 8-bit unsigned PCM, what pyVoIP sends;
- ``cache/<kind>-<lang>-<key>.[u8.]wav``: renders by content key (a hash of the recording's bytes, or
  of the voice and the text), so a changed next opening renders once and an unchanged one never again.

Operators put ``<kind>-<lang>.<ext>`` in the ``announcements_dir`` setting: a recording in any format
ffmpeg reads, or a ``.txt`` text template. pydub (with ffmpeg) converts recordings; espeak-ng speaks
texts. Every file is written to a temporary name and renamed, so readers never see half a file.
"""

from __future__ import annotations

import array
import filecmp
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from callcenter.services.announcements import (
    AnnouncementAudioError,
    AnnouncementService,
    RenderedAnnouncement,
)
from callcenter.settings import Settings

if TYPE_CHECKING:  # pydub is imported where audio is made: building the services stays light
    from pydub import AudioSegment

RATE = 8000
HEADROOM_DB = 1.0  # normalise near full scale: the 8-bit form keeps its few bits for the voice
KEEP_PER_ANNOUNCEMENT = 4  # cache entries kept per kind and language (older next openings go)
TEXT_SUFFIX = ".txt"
VOICES = {"fr": "fr-be", "nl": "nl", "de": "de", "en": "en-gb"}
ESPEAK_WPM = 150  # a little slower than espeak's 175: callers hear it once, through a phone
ESPEAK_TIMEOUT_S = 30.0


class TextToSpeech(Protocol):
    def voice(self, language: str) -> str:
        """Name the voice used for ``language`` (part of the cache key)."""
        ...

    def speak(self, text: str, language: str) -> AudioSegment:
        """Return ``text`` spoken in ``language``."""
        ...


class EspeakNg:
    """Text-to-speech with the espeak-ng command (voices fr-be, nl, de, en-gb)."""

    def __init__(self, command: str = "espeak-ng") -> None:
        self._command = command

    def voice(self, language: str) -> str:
        return f"espeak-ng:{VOICES[language]}:{ESPEAK_WPM}"

    def speak(self, text: str, language: str) -> AudioSegment:
        with tempfile.TemporaryDirectory(prefix="espeak-") as tmp:
            out = Path(tmp) / "speech.wav"
            argv = [self._command, "-v", VOICES[language], "-s", str(ESPEAK_WPM), "-w", str(out), "--stdin"]
            try:
                done = subprocess.run(argv, input=text.encode("utf-8"), capture_output=True,
                                      timeout=ESPEAK_TIMEOUT_S, check=False)
            except FileNotFoundError:
                raise AnnouncementAudioError(f"Text-to-speech needs {self._command} (install espeak-ng), "
                                             "or record the announcements (announcements_dir).") from None
            except subprocess.TimeoutExpired:
                raise AnnouncementAudioError(f"{self._command} took more than {ESPEAK_TIMEOUT_S:.0f} s.") \
                    from None
            if done.returncode != 0 or not out.exists():
                message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
                raise AnnouncementAudioError(f"{self._command} failed: {message}.")
            from pydub import AudioSegment

            return AudioSegment.from_wav(str(out))


class AnnouncementFiles:
    """The AnnouncementStore of services.announcements on the file system."""

    def __init__(self, root: Path, operator_dir: Path | None = None, tts: TextToSpeech | None = None) -> None:
        self.root = root
        self.cache = root / "cache"
        self._operator_dir = operator_dir
        self._tts = tts or EspeakNg()
        self._published: dict[str, str] = {}  # "<kind>-<lang>" -> key of the current files
        self._lock = threading.Lock()  # one render at a time: calls arriving together share it

    def recording(self, kind: str, language: str) -> str | None:
        found = sorted(p for p in self._operator_files(kind, language) if p.suffix.lower() != TEXT_SUFFIX)
        return str(found[0]) if found else None

    def template(self, kind: str, language: str) -> tuple[str, str] | None:
        if self._operator_dir is None:
            return None
        path = self._operator_dir / f"{kind}-{language}{TEXT_SUFFIX}"
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise AnnouncementAudioError(f"The announcement text {path} cannot be read: {exc}.") from None

    def from_recording(self, kind: str, language: str, recording: str) -> RenderedAnnouncement:
        path = Path(recording)
        key = _key(b"recording", path.read_bytes())
        return self._cached(kind, language, key, lambda: _decode(path), f"recording {path.name}", None)

    def from_text(self, kind: str, language: str, text: str) -> RenderedAnnouncement:
        key = _key(b"text", self._tts.voice(language).encode(), text.encode("utf-8"))
        return self._cached(kind, language, key, lambda: self._tts.speak(text, language), "text", text)

    def _operator_files(self, kind: str, language: str) -> list[Path]:
        if self._operator_dir is None or not self._operator_dir.is_dir():
            return []
        return [p for p in self._operator_dir.glob(f"{kind}-{language}.*") if p.is_file()]

    def _cached(self, kind: str, language: str, key: str, produce: Any, source: str,
                text: str | None) -> RenderedAnnouncement:
        name = f"{kind}-{language}"
        wav, pcm8 = self.cache / f"{name}-{key}.wav", self.cache / f"{name}-{key}.u8.wav"
        with self._lock:
            rendered = not (wav.exists() and pcm8.exists())
            if rendered:
                self.cache.mkdir(parents=True, exist_ok=True)
                samples = telephone_samples(produce())
                _write_wav(wav, samples, 2)
                _write_wav(pcm8, to_unsigned_8bit(samples), 1)
                self._prune(name)
            self._publish(name, key, wav, pcm8)
        return RenderedAnnouncement(kind, language, str(self.root / f"{name}.wav"),
                                    str(self.root / f"{name}.u8.wav"), source, _duration(wav), rendered, text)

    def _publish(self, name: str, key: str, wav: Path, pcm8: Path) -> None:
        """Make the entry ``key`` the current ``<name>.wav`` / ``<name>.u8.wav`` (once per change)."""
        current = self.root / f"{name}.wav", self.root / f"{name}.u8.wav"
        if self._published.get(name) == key and all(p.exists() for p in current):
            return
        for source, target in zip((wav, pcm8), current, strict=True):
            if not (target.exists() and filecmp.cmp(source, target, shallow=False)):
                _copy_atomically(source, target)
        self._published[name] = key

    def _prune(self, name: str) -> None:
        entries = sorted(self.cache.glob(f"{name}-*.u8.wav"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP_PER_ANNOUNCEMENT:]:
            key = old.name[len(name) + 1:-len(".u8.wav")]
            for path in (old, self.cache / f"{name}-{key}.wav"):
                path.unlink(missing_ok=True)


def telephone_samples(segment: AudioSegment) -> bytes:
    """Return ``segment`` as 8 kHz mono 16-bit little-endian samples, normalised near full scale."""
    from pydub import effects

    mono = segment.set_channels(1).set_sample_width(2).set_frame_rate(RATE)
    if mono.max_dBFS == float("-inf"):
        raise AnnouncementAudioError("The announcement audio is silent.")
    return bytes(effects.normalize(mono, headroom=HEADROOM_DB).raw_data)


def to_unsigned_8bit(samples: bytes) -> bytes:
    """Convert 16-bit signed samples to 8-bit unsigned (silence 0x80), rounding to nearest."""
    values = array.array("h")
    values.frombytes(samples)
    return bytes(min(255, (v + 32768 + 128) >> 8) for v in values)


def _decode(path: Path) -> AudioSegment:
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    try:
        return AudioSegment.from_file(str(path))
    except (CouldntDecodeError, IndexError, OSError) as exc:
        raise AnnouncementAudioError(f"The recording {path} cannot be read as audio: {exc}.") from None


def _write_wav(path: Path, frames: bytes, width: int) -> None:
    tmp = _temporary(path)
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(RATE)
        w.writeframes(frames)
    os.replace(tmp, path)


def _copy_atomically(source: Path, target: Path) -> None:
    tmp = _temporary(target)
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def _temporary(path: Path) -> Path:
    # Unique per process and thread: another process may render the same file at the same moment.
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def _key(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()[:16]


def announcement_files(settings: Settings, tts: TextToSpeech | None = None) -> AnnouncementFiles:
    """Build the store of the settings: data_dir/announcements, with the operator folder if set."""
    operator = Path(settings.announcements_dir).expanduser() if settings.announcements_dir else None
    return AnnouncementFiles(settings.data_dir / "announcements", operator, tts)


def build_announcement_service(settings: Settings, clock: Any, calendar: Any) -> AnnouncementService:
    """Wire the announcement service on the files of the settings (for the services and the SIP side)."""
    return AnnouncementService(announcement_files(settings), calendar, clock, address=settings.write_address,
                               default_language=settings.default_language)
