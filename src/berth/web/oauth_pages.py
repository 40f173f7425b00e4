"""The few HTML pages of the OAuth flow: the consent page, Berth's own token page and messages."""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = "body{font-family:sans-serif;max-width:40em;margin:2em auto}li{margin:.5em 0}.danger{color:#b00}"


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def consent_page(
    *, application: dict[str, Any], scopes: list[dict[str, Any]], fields: dict[str, str], csrf_token: str
) -> str:
    """Ask the signed-in user to authorize ``application`` for ``scopes``."""
    items = "".join(
        f"<li class='{'danger' if s['dangerous'] else ''}'><strong>{escape(s['title'])}</strong> "
        f"(<code>{escape(s['scope'])}</code>)<br>{escape(s['description'])}</li>"
        for s in scopes
    )
    hidden = (
        "".join(
            f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in fields.items() if v
        )
        + f"<input type='hidden' name='_csrf_token' value='{escape(csrf_token)}'>"
    )
    org = application["organization"]["name"]
    body = (
        f"<h1>Authorize {escape(application['name'])}</h1>"
        f"<p>{escape(application['name'])} (organization {escape(org)}) asks for these permissions:</p>"
        f"<ul>{items}</ul>"
        f"<form method='post' action='/oauth/authorizeapp'>{hidden}"
        "<button type='submit'>Authorize Application</button></form>"
        f"<form method='post' action='/oauth/denyapp'>{hidden}<button type='submit'>Cancel</button></form>"
    )
    return _page("Authorize application", body)


def local_token_page() -> str:
    """Berth's own redirect target: shows the token carried in the URL fragment, once."""
    body = (
        "<h1>Access Token</h1><p>This is the only time the token is shown. Copy it now.</p>"
        "<pre id='token'></pre><script>"
        "var p=new URLSearchParams(location.hash.slice(1));"
        "document.getElementById('token').textContent=p.get('access_token')||p.get('error')||'';"
        "history.replaceState(null,'',location.pathname);</script>"
    )
    return _page("Access Token", body)


def message_page(message: str) -> str:
    """A one-line message."""
    return _page(message, f"<p>{escape(message)}</p>")
