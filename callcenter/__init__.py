"""callcenter: telephony integration for a public front office (no IVR, screen-pop, CRM, working-day SLAs)."""

__version__ = "0.1.0"
