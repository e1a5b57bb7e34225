"""The staff pages' blueprints (login, agent panel and its actions, supervision), for web/blueprints.py."""

from __future__ import annotations

from flask import Blueprint


def panel_blueprints() -> list[Blueprint]:
    from callcenter.web.agent import bp as agent
    from callcenter.web.agent_calls import bp as agent_calls
    from callcenter.web.staff import bp as staff
    from callcenter.web.supervisor import bp as supervisor

    return [staff, agent, agent_calls, supervisor]
