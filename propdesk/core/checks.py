"""Deployment checks of PropDesk's own (run by `propdesk check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def embedded_secret_key(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """The embedded development key is public (it is in the source): production must set its own."""
    from propdesk.settings import _DEV_KEY

    if settings.SECRET_KEY == _DEV_KEY:
        return [
            Warning(
                "PROPDESK_SECRET_KEY is not set: the embedded development key is in use.",
                hint="Set PROPDESK_SECRET_KEY to a long random value in production.",
                id="propdesk.W001",
            )
        ]
    return []
