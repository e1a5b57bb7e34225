"""Composition of the cloud telephony bridge's use cases (services.provider_calls) for callcenter.wiring."""

from __future__ import annotations

from typing import Any

from callcenter.services.provider_calls import ProviderCalls


def build_provider_calls(s: Any) -> ProviderCalls:
    return ProviderCalls(s.uow, s.clock, s.call_lifecycle, s.agents)
