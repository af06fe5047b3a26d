"""Security headers of every response: CSP with hashed inline scripts, Permissions-Policy, HSTS."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request


# Content-Security-Policy: everything from the app itself, inline scripts only by hash (Dash's
# renderer start-up and clientside callbacks, see Dash.csp_hashes), no eval. Styles allow
# 'unsafe-inline': plotly, Leaflet and AG Grid insert <style> elements at run time.
def content_security_policy(script_hashes: list[str], tile_url: str) -> str:
    """The CSP of every response, given the inline-script hashes and the tile URL template."""
    tiles = urlsplit(tile_url)
    tile_src = f" {tiles.scheme}://{tiles.netloc.replace('{s}', '*')}" if tiles.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob:{tile_src}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


def install_headers(server: Flask, tile_url: str) -> None:
    """Add the security headers to every response of ``server``."""

    @server.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        app = server.extensions.get("cockpit_dash")
        hashes = list(app.csp_hashes()) if app is not None else []
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(hashes, tile_url)
        )
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
