"""Security headers on every response, cookie flags, and no-store for private pages.

The Content-Security-Policy allows no inline script and no inline style attribute. Pages that
need per-request geometry (the badge preview) write it in a ``<style nonce="{{ csp_nonce() }}">``
block, a stylesheet for that one page; the nonce is added to ``style-src`` only on responses
that used it. The e-mail preview (a sandboxed ``srcdoc`` frame, which inherits this page's
policy) is allowed exactly the style attributes the rendered e-mail contains, by hash.
"""

import base64
import functools
import hashlib
import html
import re
import secrets

from flask import Flask, g, request, session
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

#: Paths whose pages belong to one person (a token in the URL, a signed-in organizer, the door):
#: never stored by a browser or proxy cache.
PRIVATE_PREFIXES = ("/r/", "/admin", "/door", "/api", "/b/", "/login", "/logout", "/account")

#: Route arguments that are a secret (a manage or door token, a badge code, an e-mail-change
#: link): a page reached through one sends no Referer anywhere, and nginx logs hide them.
SECRET_ARGUMENTS = frozenset({"token", "code", "change"})

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    # The door's camera stream is attached with srcObject; blob: covers a fallback object URL.
    "media-src": "'self' blob:",
    "worker-src": "'self'",
    "connect-src": "'self'",
    "font-src": "'self'",
    "frame-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000"
_STYLE_ATTR = re.compile(r"""\sstyle=(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def csp_nonce() -> str:
    """This response's nonce for a ``<style>`` block (created on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_style_attributes(markup: str) -> str:
    """Let this response's policy allow the style attributes found in ``markup`` (by hash).

    For trusted HTML shown in a sandboxed srcdoc frame (the e-mail preview); returns it unchanged.
    """
    hashes = g.setdefault("csp_style_hashes", set())
    for match in _STYLE_ATTR.finditer(str(markup)):
        value = html.unescape(match.group(1) if match.group(1) is not None else match.group(2))
        digest = base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()
        hashes.add(f"'sha256-{digest}'")
    return markup if isinstance(markup, Markup) else str(markup)


def content_security_policy() -> str:
    directives = dict(CSP)
    extra = []
    if "csp_nonce" in g:
        extra.append(f"'nonce-{g.csp_nonce}'")
    if g.get("csp_style_hashes"):
        extra += ["'unsafe-hashes'", *sorted(g.csp_style_hashes)]
    if extra:
        directives["style-src"] = " ".join([directives["style-src"], *extra])
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def is_private(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


def private_page(view):
    """Decorate a view whose page belongs to one person although its URL holds no secret (the
    poster's feedback page, after a badge code): no-store, noindex and no Referer, as every page
    reached through a token gets without asking (``_security_headers``)."""

    @functools.wraps(view)
    def marked(*args, **kwargs):
        g.private_page = True
        return view(*args, **kwargs)

    return marked


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested past Python's recursion limit (50,000 ``[``) is
    invalid JSON like any other: ``get_json`` then answers 400 (or None when silent), not a 500."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
    https = app.config["BASE_URL"].startswith("https://")
    if https:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["REMEMBER_COOKIE_SAMESITE"] = app.config["SESSION_COOKIE_SAMESITE"] or "Lax"
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["allow_style_attributes"] = allow_style_attributes

    # after_request also runs for error handlers' responses and for static files.
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy()
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        # The URL of a token page is the key to someone's RSVP, badge or door: it leaves in no
        # Referer, and the page in no cache or search engine.
        rule = request.url_rule
        personal = bool(rule is not None and rule.arguments & SECRET_ARGUMENTS) or g.get("private_page", False)
        if personal:
            headers["Referrer-Policy"] = "no-referrer"
        else:
            headers.setdefault("Referrer-Policy", "same-origin")
        if https:
            headers["Strict-Transport-Security"] = HSTS
        if personal or is_private(request.path):
            cache = headers.get("Cache-Control", "")
            if "no-store" not in cache:
                headers["Cache-Control"] = "private, no-store"
            headers.setdefault("X-Robots-Tag", "noindex")
        elif getattr(session, "accessed", False) and "Cache-Control" not in headers:
            # Built from this visitor's session (a CSRF token, the address on check-inbox):
            # a shared cache must not hand it to the next visitor.
            headers["Cache-Control"] = "private"
        return response
