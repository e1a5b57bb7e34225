"""Composition of the announcement audio, the announcement endpoint and the test-call probe.

The endpoint is a part of `callcenter sip` (a line in callcenter.sip.sip_side.SIP_CHILDREN); it needs
no database, only the settings, the calendar (for the next opening) and the announcement files. It
registers to the Kamailio of the settings (sip_host:sip_port) with the service account of
callcenter.sip.credentials; the probe dials through the same Kamailio with the same account.
"""

from __future__ import annotations

from typing import Any

from callcenter.announcement_audio import build_announcement_service
from callcenter.services.announcements import AnnouncementService
from callcenter.settings import Settings

WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def announcement_service(settings: Settings, clock: Any = None) -> AnnouncementService:
    """Build the announcement service on its own (no database): calendar files and audio files."""
    from callcenter.calendar_files import build_calendar_service
    from callcenter.services.clock import SystemClock

    clock = clock or SystemClock()
    return build_announcement_service(settings, clock, build_calendar_service(settings, clock))


def build_announcements(s: Any) -> AnnouncementService:
    """Feature builder (callcenter.wiring): the announcement service on the process's calendar."""
    return build_announcement_service(s.settings, s.clock, s.calendar)


def sip_address(settings: Settings) -> str:
    """Return the address our SIP endpoints use and name in their Contact and SDP (never a wildcard)."""
    return "127.0.0.1" if settings.sip_host.strip() in WILDCARDS else settings.sip_host.strip()


def announcement_endpoint(settings: Settings) -> Any:
    """Build the announcement endpoint of `callcenter sip`, or None when sip_announcer_port is 0."""
    from callcenter.sip.announcer import AnnouncementEndpoint, EndpointConfig, parse_rtp_ports
    from callcenter.sip.credentials import announcer_password

    if settings.sip_announcer_port == 0:
        return None
    address = sip_address(settings)
    config = EndpointConfig(address, settings.sip_port, settings.sip_announcer_user,
                            announcer_password(settings), address, settings.sip_announcer_port,
                            parse_rtp_ports(settings.sip_announcer_rtp_ports),
                            settings.sip_announcer_max_calls)
    return AnnouncementEndpoint(config, _warmed(announcement_service(settings)))


def probe(settings: Settings, *, server: str | None = None, port: int | None = None,
          timeout_s: float | None = None) -> Any:
    """Build the test-call probe, through Kamailio unless ``server``/``port`` say otherwise."""
    from callcenter.sip.credentials import announcer_password
    from callcenter.sip.probe import ProbeConfig, SipProbe

    address = sip_address(settings)
    config = ProbeConfig(server or address, port or settings.sip_port, settings.sip_announcer_user,
                         announcer_password(settings), address, timeout_s or settings.sip_probe_timeout_s)
    return SipProbe(config)


def _warmed(service: AnnouncementService) -> AnnouncementService:
    """Render every announcement before the first call (espeak-ng then runs once per text, not per call)."""
    import logging

    from callcenter.domain.errors import DomainError

    try:
        service.render_all()
    except DomainError as exc:  # the endpoint still starts: calls get 500 and the log says why
        logging.getLogger(__name__).error("announcements not rendered: %s", exc.message)
    return service
