"""Links that leave the platform (in e-mail), built from ``PUBLIC_URL``.

Never from the request: ``url_for(..., _external=True)`` takes the host from the
``Host`` header, so a forged header would put an attacker's host into a password-reset
link. Here the host, scheme and path prefix are the configured public address, the same
in a request, a CLI command or a background worker.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def public_adapter():
    """URL building bound to the public address, whatever request is being served."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    return current_app.url_map.bind(public.netloc, script_name=public.path or "/",
                                    url_scheme=public.scheme)


def external(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` at the platform's public URL."""
    return public_adapter().build(endpoint, values, force_external=True)
