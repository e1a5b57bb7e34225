"""Operator closures read from files, and the composition of the calendar service from settings.

TOML (setting closures_file), one table per closure; ``until`` (optional, inclusive) closes a range of
days, ``name`` (optional) stands in for any language not given; at least one name is required::

    [[closure]]
    date = 2026-05-15
    fr = "Jour de pont (Ascension)"
    nl = "Brugdag (Hemelvaart)"
    de = "Brückentag (Christi Himmelfahrt)"
    en = "Bridge day (Ascension)"

iCalendar (setting closures_ical): all-day VEVENTs (DTSTART;VALUE=DATE, optional DTEND exclusive);
SUMMARY;LANGUAGE=fr:… gives a name per language, a SUMMARY without LANGUAGE names it in all of them.
Recurring events are refused (list each day) and cancelled events are ignored.
Every error names the file and the line (or the entry) and is raised as CalendarConfigError.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import icalendar

from callcenter.domain.calendar_input import MAX_YEAR, MIN_YEAR
from callcenter.domain.closures import LANGS, OPERATOR_CLOSURE, Closure
from callcenter.domain.errors import CalendarConfigError
from callcenter.services.calendar_service import CalendarService, calendar_factory
from callcenter.services.ports import Clock
from callcenter.settings import Settings

NAME_KEYS = (*LANGS, "name")
ENTRY_KEYS = ("date", "until", *NAME_KEYS)
MAX_RANGE_DAYS = 366
_TOML_POSITION = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_HEADER = re.compile(r"^\s*\[\[\s*closure\s*\]\]")


class Where(Protocol):
    """Names the place of an entry in error messages."""

    def __call__(self, key: str | None = None) -> str:
        """Name the place of an entry in errors, at the line of ``key`` if given."""
        ...


def build_calendar_service(settings: Settings, clock: Clock) -> CalendarService:
    """Build the calendar service on the closure files named in the settings."""
    ical = Path(settings.closures_ical).expanduser() if settings.closures_ical else None
    return CalendarService(calendar_factory(settings), FileClosureSource(_toml_path(settings), ical), clock)


def _toml_path(settings: Settings) -> Path | None:
    # An empty CALLCENTER_CLOSURES_FILE becomes Path("."): it means "no closures file".
    return None if str(settings.closures_file) in {"", "."} else settings.closures_file


class FileClosureSource:
    """Operator closures from an optional TOML file and an optional iCalendar file."""

    def __init__(self, toml_path: Path | None = None, ical_path: Path | None = None) -> None:
        self.toml_path = toml_path
        self.ical_path = ical_path

    def load(self) -> list[Closure]:
        """Read both files; the TOML file's closures come first."""
        closures = read_closures_toml(self.toml_path) if self.toml_path else []
        return closures + (read_closures_ical(self.ical_path) if self.ical_path else [])

    def fingerprint(self) -> object:
        """Return the modification time and size of each file (None for a missing one)."""
        return tuple(_stat(path) for path in (self.toml_path, self.ical_path))


def _stat(path: Path | None) -> tuple[int, int] | None:
    try:
        info = path.stat() if path else None
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size) if info else None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CalendarConfigError(f"The closures file {path} does not exist.") from None
    except OSError as exc:
        raise CalendarConfigError(f"The closures file {path} cannot be read: {exc.strerror}.") from None


# -- TOML --------------------------------------------------------------------------------------------


def read_closures_toml(path: Path) -> list[Closure]:
    """Read closures from a TOML file of [[closure]] tables."""
    try:
        text = _read(path).decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise CalendarConfigError(f"{path} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarConfigError(_toml_syntax_error(path, text, str(exc))) from None
    lines = text.splitlines()
    for key in data:
        if key != "closure":
            raise CalendarConfigError(f"{path} line {_key_line(lines, key, 0, len(lines))}: unknown key "
                                      f"{key!r} (closures are [[closure]] tables).")
    entries = data.get("closure", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CalendarConfigError(f"{path}: 'closure' must be a list of [[closure]] tables.")
    return _toml_closures(path, lines, entries)


def _toml_syntax_error(path: Path, text: str, message: str) -> str:
    """Turn tomllib's message into 'file line N: …', quoting the value when a date is wrong."""
    match = _TOML_POSITION.match(message)
    if not match:
        return f"{path} is not valid TOML: {message}."
    line, col = int(match["line"]), int(match["col"])
    lines = text.splitlines()
    if match["msg"] == "Invalid date or datetime" and line <= len(lines):
        value = re.split(r"[\s,}\]#]", lines[line - 1][col - 1:], maxsplit=1)[0]
        return f"{path} line {line}: {value!r} is not a date."
    return f"{path} line {line}: {match['msg'][0].lower()}{match['msg'][1:]} (column {col})."


def _toml_closures(path: Path, lines: list[str], entries: list[dict[str, Any]]) -> list[Closure]:
    """Check each entry and expand it into one closure per day, refusing a day given twice."""
    headers = [n for n, line in enumerate(lines) if _HEADER.match(line)]
    if len(headers) != len(entries):  # inline tables: no header to point at, name the entry instead
        headers = []
    closures: list[Closure] = []
    seen: dict[date, str] = {}
    for index, entry in enumerate(entries):
        end = headers[index + 1] if index + 1 < len(headers) else len(lines)
        place = _TomlPlace(path, lines, index, headers[index] if headers else None, end)
        closures.extend(_entry_closures(entry, place, seen))
    return closures


@dataclass(frozen=True)
class _TomlPlace:
    """Where a [[closure]] table is written, to name the line of one of its keys in errors."""

    path: Path
    lines: list[str]
    index: int
    start: int | None
    end: int

    def __call__(self, key: str | None = None) -> str:
        if self.start is None:
            return f"{self.path} entry {self.index + 1}"
        line = _key_line(self.lines, key, self.start, self.end) if key else self.start + 1
        return f"{self.path} line {line}"


def _key_line(lines: list[str], key: str, start: int, end: int) -> int:
    """Return the 1-based line where ``key =`` or ``[key]`` is written between two lines (else the first)."""
    name = re.escape(key)
    pattern = re.compile(rf"^\s*(\[\[?\s*{name}\s*\]|[\"']?{name}[\"']?\s*=)")
    for n in range(start, end):
        if pattern.match(lines[n]):
            return n + 1
    return start + 1


def _entry_closures(entry: dict[str, Any], where: Where, seen: dict[date, str]) -> list[Closure]:
    """Check one [[closure]] table and return one closure per day it covers."""
    for key in entry:
        if key not in ENTRY_KEYS:
            raise CalendarConfigError(f"{where(key)}: unknown key {key!r} (use {', '.join(ENTRY_KEYS)}).")
    if "date" not in entry:
        raise CalendarConfigError(f"{where()}: a closure needs a date (e.g. date = 2026-05-15).")
    first = _as_date(entry["date"], where("date"))
    last = _as_date(entry["until"], where("until")) if "until" in entry else first
    names = _names({k: v for k, v in entry.items() if k in NAME_KEYS}, where)
    return _expand(first, last, names, where("until" if "until" in entry else "date"), seen)


def _as_date(value: Any, where: str) -> date:
    """Accept a TOML date or a 'YYYY-MM-DD' string; refuse times and uncovered years."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise CalendarConfigError(f"{where}: {value!r} is not a date (use e.g. 2026-05-15).") from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise CalendarConfigError(f"{where}: {str(value)!r} is not a date (closures are whole days, "
                                  f"e.g. 2026-05-15).")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise CalendarConfigError(f"{where}: {value} is outside the years the calendar covers "
                                  f"({MIN_YEAR}–{MAX_YEAR}).")
    return value


def _names(raw: dict[str, Any], where: Where) -> dict[str, str]:
    """Return a name per language, ``name`` filling the languages not given."""
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip():
            raise CalendarConfigError(f"{where(key)}: {key} must be a non-empty text.")
    if not raw:
        raise CalendarConfigError(f"{where()}: a closure needs a name (fr, nl, de, en or name).")
    default = raw.get("name")
    names = {lang: raw.get(lang, default) for lang in LANGS}
    return {lang: str(name).strip() for lang, name in names.items() if name}


def _expand(first: date, last: date, names: dict[str, str], where: str,
            seen: dict[date, str]) -> list[Closure]:
    """Return one closure per day from ``first`` to ``last`` (included)."""
    span = (last - first).days
    if span < 0:
        raise CalendarConfigError(f"{where}: the closure ends ({last}) before it starts ({first}).")
    if span >= MAX_RANGE_DAYS:
        raise CalendarConfigError(f"{where}: a closure of {span + 1} days is too long "
                                  f"(at most {MAX_RANGE_DAYS}).")
    closures = []
    for day in (first + timedelta(days=n) for n in range(span + 1)):
        if day in seen:
            raise CalendarConfigError(f"{where}: {day} is already a closure ({seen[day]}).")
        seen[day] = where
        closures.append(Closure(day, names, OPERATOR_CLOSURE))
    return closures


# -- iCalendar ---------------------------------------------------------------------------------------


def read_closures_ical(path: Path) -> list[Closure]:
    """Read closures from the all-day events of an iCalendar file."""
    raw = _read(path)
    try:
        calendar = icalendar.Calendar.from_ical(raw)
    except ValueError as exc:
        raise CalendarConfigError(f"{path} is not an iCalendar file: {exc}.") from None
    text = raw.decode("utf-8", errors="replace")
    starts = [n + 1 for n, line in enumerate(text.splitlines()) if line.strip().upper() == "BEGIN:VEVENT"]
    closures: list[Closure] = []
    seen: dict[date, str] = {}
    for index, event in enumerate(calendar.walk("VEVENT")):
        where = f"{path} line {starts[index]}" if index < len(starts) else f"{path} event {index + 1}"
        if str(event.get("STATUS", "")).upper() != "CANCELLED":
            closures.extend(_event_closures(event, where, seen))
    return closures


def _event_closures(event: Any, where: str, seen: dict[date, str]) -> list[Closure]:
    """Check one VEVENT and return one closure per day it covers."""
    if getattr(event, "errors", None):
        prop, problem = event.errors[0]
        raise CalendarConfigError(f"{where}: {prop} cannot be read ({problem}).")
    if "RRULE" in event:
        raise CalendarConfigError(f"{where}: recurring events are not supported; give each closure day "
                                  f"as its own event.")
    first = _event_date(event, "DTSTART", where)
    last = first
    if "DTEND" in event:
        last = _event_date(event, "DTEND", where) - timedelta(days=1)  # DTEND of all-day events is exclusive
    elif "DURATION" in event:
        last = first + event["DURATION"].dt - timedelta(days=1)
    last = max(first, last)
    return _expand(first, last, _event_names(event, where), where, seen)


def _event_date(event: Any, prop: str, where: str) -> date:
    value = getattr(event.get(prop), "dt", None)
    if value is None:
        raise CalendarConfigError(f"{where}: the event has no {prop} (closures are all-day events).")
    if isinstance(value, datetime) or not isinstance(value, date):
        raise CalendarConfigError(f"{where}: {prop} {value} is not an all-day date (use {prop};VALUE=DATE).")
    return _as_date(value, where)


def _event_names(event: Any, where: str) -> dict[str, str]:
    """Return the SUMMARY per language; one without LANGUAGE names the closure in every language."""
    summaries = event.get("SUMMARY")
    summaries = summaries if isinstance(summaries, list) else [summaries] if summaries else []
    raw: dict[str, str] = {}
    for summary in summaries:
        language = summary.params.get("LANGUAGE")
        key = str(language).lower()[:2] if language else "name"  # fr-BE counts as fr
        if key in NAME_KEYS and str(summary).strip():
            raw.setdefault(key, str(summary).strip())
    if not raw:
        raise CalendarConfigError(f"{where}: the event needs a SUMMARY (the closure's name), without "
                                  f"LANGUAGE or with LANGUAGE=fr, nl, de or en.")
    return _names(raw, lambda key=None: where)
