"""The Kamailio configuration of our SIP edge, generated from the settings.

The routing logic is static (callcenter/data/kamailio.cfg); this module puts before it a header of
``#!define``s, listening sockets and process counts, and after it the routes that depend on settings
lists: which sources are trusted trunks, which numbers are service numbers, our own endpoints'
accounts. ``callcenter sip config`` prints the result for operators who run Kamailio themselves.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from callcenter.domain.errors import InvalidInput
from callcenter.domain.phone import normalise_phone
from callcenter.domain.routing import parse_service_numbers
from callcenter.domain.sip_accounts import check_realm
from callcenter.settings import PACKAGE_DATA, Settings, SettingsError
from callcenter.sip.credentials import service_account_ha1s
from webhooks.signatures import cti_secret

TEMPLATE = PACKAGE_DATA / "kamailio.cfg"
CTI_TIMEOUT_S = 5
ASKS_PER_WORKER = 4  # route asks waiting per async worker before new calls are refused
REPORTS_BACKLOG = 500  # reports waiting for the API (about 2 s of a busy office) before new calls are refused
_SAFE = re.compile(r"^[A-Za-z0-9._~:/?#\[\]@!&'()*+,;=%-]*$")  # no quote, backslash, '$' or space
_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}
_DEBUG_LEVELS = {"DEBUG": 3, "INFO": 2, "WARNING": 1, "ERROR": -1, "CRITICAL": -2}


@dataclass(frozen=True)
class TrustedSource:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    port: int | None = None


@dataclass(frozen=True)
class KamailioDatabase:
    module: str  # db_sqlite or db_postgres
    url: str
    environment: dict[str, str]  # libpq options (a schema search path) Kamailio's URL cannot carry


def sip_domain(settings: Settings) -> str:
    """Return the SIP domain (digest realm): the setting, else the listening address."""
    if settings.sip_domain:
        return _checked(check_realm, settings.sip_domain)
    if settings.sip_host in _WILDCARD_HOSTS:
        raise SettingsError("Set CALLCENTER_SIP_DOMAIN: Kamailio listens on every address (sip_host).")
    return _checked(check_realm, settings.sip_host)


def cti_url(settings: Settings) -> str:
    """Return the base URL Kamailio posts to: the setting, else the web process's address."""
    if settings.sip_cti_url:
        return settings.sip_cti_url.rstrip("/")
    host = "127.0.0.1" if settings.web_host in _WILDCARD_HOSTS else settings.web_host
    return f"http://{host}:{settings.web_port}"


def kamailio_database(database_url: str) -> KamailioDatabase:
    """Translate the SQLAlchemy URL of our database into the URL Kamailio's auth_db reads it with."""
    parts = urllib.parse.urlsplit(database_url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "sqlite":
        path = Path(database_url.split(":///", 1)[1].split("?", 1)[0]).resolve()
        return KamailioDatabase("db_sqlite", f"sqlite://{path}", {})
    if scheme in ("postgresql", "postgres"):
        options = urllib.parse.parse_qs(parts.query).get("options", [])
        environment = {"PGOPTIONS": options[0]} if options else {}
        return KamailioDatabase("db_postgres", f"postgres://{parts.netloc}{parts.path}", environment)
    raise SettingsError(f"Kamailio cannot read a {scheme!r} database: use SQLite or PostgreSQL.")


def parse_trusted_sources(text: str) -> list[TrustedSource]:
    """Read sip_trusted_sources: ``IP``, ``IP/prefix`` or ``IP:port`` (IPv6 with a port: ``[IP]:port``)."""
    sources: list[TrustedSource] = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            sources.append(_trusted_source(item))
    return sources


def service_number_forms(settings: Settings) -> list[str]:
    """Return every form a trunk may dial a service number in: +32…, 0032…, 32… and 0…."""
    numbers = list(_checked(parse_service_numbers, settings.service_numbers))
    probe = settings.sip_probe_number.strip()
    if probe:  # a number, or a name like "probe" that only our own endpoints dial
        numbers.append(_phone_or_text(probe))
    forms: list[str] = []
    for number in numbers:
        for form in _dialled_forms(number):
            if form not in forms:
                forms.append(form)
    return forms


def _dialled_forms(number: str) -> list[str]:
    if not number.startswith("+"):
        return [number]  # a name only our own endpoints dial
    digits = number[1:]
    national = ["0" + digits[2:]] if number.startswith("+32") else []
    return [number, "00" + digits, digits, *national]


def render(settings: Settings, run_dir: Path) -> str:
    """Return the complete Kamailio configuration for these settings."""
    domain = sip_domain(settings)
    database = kamailio_database(settings.effective_database_url)
    header = _header(settings, run_dir, domain, database)
    body = TEMPLATE.read_text(encoding="utf-8")
    routes = [_trusted_route(parse_trusted_sources(settings.sip_trusted_sources)),
              _init_route(service_number_forms(settings), service_account_ha1s(settings, domain))]
    return "\n".join([header, body, *routes])


def _header(settings: Settings, run_dir: Path, domain: str, database: KamailioDatabase) -> str:
    defines = {
        "CC_DOMAIN": domain,
        "CC_CTI_URL": cti_url(settings),
        "CC_CTI_SECRET": cti_secret(settings),
        "CC_DB_URL": database.url,
        "CC_CTL_SOCKET": f"unix:{run_dir.resolve() / 'kamailio_ctl'}",
        "CC_ANNOUNCER": settings.sip_announcer_user,
    }
    numbers = {
        # A call may wait max_wait_s, then ring one more round and reach the announcement.
        "CC_MAX_INV_LIFETIME_MS": (settings.max_wait_s + 2 * settings.ring_timeout_s + 60) * 1000,
        "CC_REGISTRATION_MAX_S": settings.sip_registration_max_s,
        "CC_FLOOD_LIMIT": settings.sip_flood_limit,
        "CC_CTI_TIMEOUT_S": CTI_TIMEOUT_S,
        # Asks in flight beyond which new calls get 503: a second or two of work for the async workers.
        "CC_MAX_ASKING": settings.sip_async_workers * ASKS_PER_WORKER,
        "CC_MAX_BACKLOG": REPORTS_BACKLOG,
    }
    lines = ["#!KAMAILIO",
             "# Generated by `callcenter sip config` from the callcenter settings: change the settings,",
             "# not this file (it is written again each time `callcenter sip` starts).",
             *(f'#!define {name} "{_quoted(name, value)}"' for name, value in defines.items()),
             *(f"#!define {name} {int(value)}" for name, value in numbers.items()),
             *_core_parameters(settings, domain),
             f'loadmodule "{database.module}.so"']
    if database.environment:
        variables = " ".join(f"{name}={value!r}" for name, value in database.environment.items())
        lines.append(f"# Start Kamailio with {variables} (the database options its URL cannot carry).")
    return "\n".join(lines) + "\n"


def _core_parameters(settings: Settings, domain: str) -> list[str]:
    if settings.sip_workers < 1 or settings.sip_async_workers < 1:
        raise SettingsError("sip_workers and sip_async_workers are at least 1.")
    if not 1 <= settings.sip_port <= 65535:
        raise SettingsError(f"sip_port {settings.sip_port} is not a port number.")
    host = _quoted("sip_host", settings.sip_host)
    advertise = ""
    if settings.sip_advertise:
        advertise = f" advertise {_quoted('sip_advertise', settings.sip_advertise)}"
    return [f"debug={_DEBUG_LEVELS.get(settings.log_level.upper(), 2)}",
            "log_stderror=yes",
            'log_prefix="{$mt $ci} "',
            f"children={settings.sip_workers}",
            f"tcp_children={settings.sip_workers}",
            f"async_workers={settings.sip_async_workers}",
            "max_branches=30",  # ring rounds and suspensions of one call share these (the limit is 31)
            "auto_aliases=no",
            "dns=no",
            "rev_dns=no",
            "server_signature=no",
            'server_header="Server: callcenter"',
            'user_agent_header="User-Agent: callcenter"',
            f"listen=udp:{_listen_host(host)}:{settings.sip_port}{advertise}",
            f"listen=tcp:{_listen_host(host)}:{settings.sip_port}{advertise}",
            # With its port: a port-less alias would make every address of that host "myself", phones too.
            f'alias="{_quoted("sip_domain", domain)}:{settings.sip_port}"']


def _trusted_route(sources: list[TrustedSource]) -> str:
    checks = []
    for source in sources:
        test = f'is_in_subnet("$si", "{source.network}")'
        if source.port is not None:
            test += f" && $sp == {source.port}"
        checks.append(f"\tif ({test}) {{\n\t\treturn 1;\n\t}}")
    body = "\n".join([*checks, "\treturn -1;"])
    return f"# Generated from sip_trusted_sources.\nroute[TRUSTED] {{\n{body}\n}}\n"


def _init_route(numbers: list[str], accounts: dict[str, str]) -> str:
    lines = [f'\t$sht(cc_numbers=>{_quoted("service_numbers", n)}) = 1;' for n in numbers]
    lines += [f'\t$sht(cc_accounts=>{_quoted("sip_announcer_user", user)}) = "{ha1}";'
              for user, ha1 in accounts.items()]
    return ("# Generated from service_numbers (and the probe number) and our own endpoints' accounts.\n"
            "event_route[htable:mod-init] {\n" + "\n".join(lines) + "\n}\n")


def _trusted_source(item: str) -> TrustedSource:
    address, port = item, None
    if item.startswith("[") and "]:" in item:
        address, _, port_text = item[1:].partition("]:")
        port = _port(item, port_text)
    elif item.count(":") == 1:
        address, _, port_text = item.partition(":")
        port = _port(item, port_text)
    try:
        return TrustedSource(ipaddress.ip_network(address, strict=False), port)
    except ValueError:
        raise SettingsError(f"sip_trusted_sources: {item!r} is not IP, IP/prefix or IP:port.") from None


def _port(item: str, text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise SettingsError(f"sip_trusted_sources: {item!r} has no valid port.")
    return int(text)


def _phone_or_text(text: str) -> str:
    try:
        return normalise_phone(text, field="sip_probe_number")
    except InvalidInput:
        return _quoted("sip_probe_number", text)


def _listen_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _quoted(name: str, value: object) -> str:
    text = str(value)
    if not _SAFE.match(text):
        raise SettingsError(f"The value of {name} cannot go into the Kamailio configuration: avoid quotes, "
                            "backslashes, '$' and spaces.")
    return text


def _checked(check: object, *args: object, **kwargs: object) -> object:
    try:
        return check(*args, **kwargs)  # type: ignore[operator]
    except InvalidInput as exc:
        raise SettingsError(exc.message) from None
