"""The web page's way in, on a bare ASGI app behind AuthMiddleware (no servers): pages send a
visitor without a session to the sign-in page, the api answers 401, a session cookie works like
its key, and a cookie-borne unsafe request from another site is refused."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from services.api.auth import SESSION_COOKIE, KeyRing
from services.api.deps import AuthMiddleware, principal
from services.api.web import _safe_next
from shared.settings import Settings

KEY = "finance-key-123"


@pytest.fixture
def client() -> TestClient:
    ring = KeyRing.from_settings(Settings(api_keys=f"finance:{KEY}"))
    app = FastAPI()

    @app.get("/")
    @app.get("/ui/batches/{b}")
    @app.get("/batches")
    @app.post("/batches")
    def who(request: Request) -> dict[str, str]:
        return {"who": principal(request).label}

    @app.get("/login")
    def login_page(request: Request) -> dict[str, str]:
        return {"page": "login"}

    @app.get("/login/whoami")
    def not_open(request: Request) -> dict[str, str]:
        return {"who": principal(request).label}

    app.add_middleware(AuthMiddleware, ring=ring)
    c = TestClient(app, base_url="http://testserver")
    c.ring = ring  # type: ignore[attr-defined]
    return c


def test_pages_redirect_to_sign_in_and_the_api_answers_401(client: TestClient):
    r = client.get("/ui/batches/b_x?tab=1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fui%2Fbatches%2Fb_x%3Ftab%3D1"
    assert client.get("/batches").status_code == 401
    assert client.get("/login").json() == {"page": "login"}
    assert client.get("/login/whoami").status_code == 401  # only the exact sign-in paths are open


def test_a_session_cookie_stands_for_its_key(client: TestClient):
    token = client.ring.session_token(KEY)  # type: ignore[attr-defined]
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/").json() == {"who": "finance"}
    assert client.get("/batches").json() == {"who": "finance"}
    client.cookies.set(SESSION_COOKIE, token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert client.get("/batches").status_code == 401


def test_unsafe_requests_with_a_cookie_must_come_from_this_site(client: TestClient):
    client.cookies.set(SESSION_COOKIE, client.ring.session_token(KEY))  # type: ignore[attr-defined]
    assert client.post("/batches", headers={"Origin": "http://testserver"}).json() == {"who": "finance"}
    r = client.post("/batches", headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "跨站" in r.json()["detail"]
    assert client.post("/batches").status_code == 403  # neither Origin nor Referer
    # a key in the header needs no origin: scripts and other programs
    client.cookies.clear()
    assert client.post("/batches", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ui/batches/b_x", "/ui/batches/b_x"),
        (None, "/"),
        ("", "/"),
        ("//evil.example/x", "/"),
        ("http://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_after_sign_in_only_a_path_of_this_site(target, expected):
    assert _safe_next(target) == expected
