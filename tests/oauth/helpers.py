"""Helpers for OAuth tests: bearer headers, an organization with an application, org membership."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def h(token: str) -> dict[str, str]:
    """A Bearer ``Authorization`` header."""
    return {"Authorization": f"Bearer {token}"}


def make_org(client: TestClient, token: str, name: str = "acme") -> None:
    """Create an organization owned by the token's user."""
    response = client.post(
        "/api/v1/organization/", json={"name": name, "email": f"{name}@example.com"}, headers=h(token)
    )
    assert response.status_code == 201, response.text


def make_app(client: TestClient, token: str, org: str = "acme", **fields: Any) -> dict[str, Any]:
    """Register an application under ``org``; returns Quay's create answer (with the secret)."""
    body = {"name": "oracle-app", "redirect_uri": "http://localhost/cb", **fields}
    response = client.post(f"/api/v1/organization/{org}/applications", json=body, headers=h(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def mint(
    client: TestClient, token: str, client_id: str, scope: str, org: str = "acme", **extra: Any
) -> dict[str, Any]:
    """``createOrganizationApplicationToken``: a token minted through the API (shown once)."""
    response = client.post(
        f"/api/v1/organization/{org}/applications/{client_id}/tokens",
        json={"name": "ci", "scope": scope, **extra},
        headers=h(token),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())
