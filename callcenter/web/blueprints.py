"""Every blueprint of the web app; each area adds one line."""

from __future__ import annotations

from flask import Blueprint


def all_blueprints() -> list[Blueprint]:
    from callcenter.web.api_calls import bp as api_calls
    from callcenter.web.api_contacts import bp as api_contacts
    from callcenter.web.api_questions import bp as api_questions
    from callcenter.web.api_topics import bp as api_topics
    from callcenter.web.api_webhooks import bp as api_webhooks
    from callcenter.web.auth import bp as auth
    from callcenter.web.calendar_api import bp as calendar_api
    from callcenter.web.health import bp as health
    from callcenter.web.openapi import bp as openapi
    from callcenter.web.panel_blueprints import panel_blueprints
    from callcenter.web.public import bp as public
    from webhooks.cti import bp as cti
    from webhooks.sip_registrations import bp as sip_registrations
    from webhooks.twilio_voice import bp as twilio_voice

    return [auth, health, calendar_api, public, api_questions, api_contacts, api_calls, api_topics, openapi,
            api_webhooks, *panel_blueprints(), cti, sip_registrations, twilio_voice]
