"""Every blueprint of the web app; each area adds one line."""

from __future__ import annotations

from flask import Blueprint


def all_blueprints() -> list[Blueprint]:
    from callcenter.web.calendar_api import bp as calendar_api
    from callcenter.web.health import bp as health

    return [health, calendar_api]
