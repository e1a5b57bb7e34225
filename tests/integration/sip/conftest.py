"""The SIP edge fixtures (tests.sip_support) for every test of this folder."""

from tests.sip_support import sip_database_url, sip_edge, sip_edge_overrides  # noqa: F401
