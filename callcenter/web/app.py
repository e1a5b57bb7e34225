"""The Flask app factory: create_app(services) — the services are built by the caller (cli, tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from callcenter.bootstrap import Services

EXTENSION = "callcenter.services"


def create_app(services: Services, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web app around already-built services."""
    from callcenter.web import blueprints, errors

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=services.settings.secret_key,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = services
    errors.register(app)
    for bp in blueprints.all_blueprints():
        app.register_blueprint(bp)
    return app


def services() -> Services:
    """Return the services of the running app (handlers call exactly one use case on them)."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
