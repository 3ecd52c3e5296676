"""The api's own documentation, in process: /docs and /redoc load nothing from the internet, every
operation is described (summary, answer schema, the errors it can give), both ways of signing in
are declared, and the version is the package's."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

import services.api.app as api
from shared import version as version_mod

URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(api.app)


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client: TestClient, page: str):
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    external = [u for u in URL.findall(r.text) if not u.startswith(("http://testserver/", "//testserver/"))]
    assert external == [], external
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", r.text)
    assert assets and all(a.startswith(("/static/docs/", "/static/redoc/")) for a in assets), assets
    for a in assets:
        got = client.get(a)
        assert got.status_code == 200 and len(got.content) > 1000, a
    assert "'/openapi.json'" in r.text or '"/openapi.json"' in r.text


def test_redoc_bundle_fetches_no_logo_from_its_cdn(client: TestClient):
    # the browser test (tests/browser) blocks every outside request; this is the in-process half
    js = client.get("/static/redoc/redoc.standalone.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert b"cdn.redoc.ly" not in js.content


def test_swagger_ui_asks_no_validator_and_has_oauth2_redirect(client: TestClient):
    html = client.get("/docs").text
    assert '"validatorUrl": null' in html
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_every_operation_is_documented(spec: dict):
    ops = [(p, m, op) for p, item in spec["paths"].items() for m, op in item.items()]
    assert len(ops) >= 12
    for path, method, op in ops:
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), where
        assert op.get("tags"), where
        ok = op["responses"].get("201") or op["responses"].get("200")
        assert ok, where
        assert any(c.get("schema") for c in ok.get("content", {}).values()), where
        failures = [c for c in op["responses"] if c.startswith(("4", "5"))]
        if path != "/health":
            assert any(c.startswith("4") for c in failures), where
        for code in failures:
            content = op["responses"][code].get("content", {}).get("application/json", {})
            assert op["responses"][code]["description"] and not op["responses"][code]["description"].isascii()
            assert "example" in content or "examples" in content, (where, code)


def test_protected_operations_declare_both_schemes(spec: dict):
    schemes = spec["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["bearerAuth"].items()
    assert (
        schemes["sessionCookie"]["in"] == "cookie" and schemes["sessionCookie"]["name"] == "juesuan_session"
    )
    for path, item in spec["paths"].items():
        for method, op in item.items():
            declared = {k for req in op.get("security", []) for k in req}
            if path == "/health":
                assert not declared
            else:
                assert declared == {"bearerAuth", "sessionCookie"}, (method, path)


def test_typed_answers(spec: dict):
    paths = spec["paths"]
    summary = paths["/batches/{batch_id}/summary.json"]["get"]["responses"]["200"]["content"]
    assert summary["application/json"]["schema"]["$ref"].endswith("/BatchSummary")
    assert "text/html" in paths["/batches/{batch_id}/summary.html"]["get"]["responses"]["200"]["content"]
    tags = {t["name"]: t["description"] for t in spec["tags"]}
    assert set(tags) >= {"批次", "上传", "文件", "运维"} and all(tags.values())
    err = spec["components"]["schemas"]["ErrorBody"]
    assert err["required"] == ["detail"]


def test_version_is_the_packages(spec: dict):
    assert spec["info"]["version"] == version_mod.package_version()
    assert spec["info"]["version"] == version_mod.pyproject_version()


def test_version_falls_back_to_pyproject(monkeypatch: pytest.MonkeyPatch, tmp_path):
    from importlib.metadata import PackageNotFoundError

    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "juesuan"\nversion = "9.8.7"\n', "utf-8")
    monkeypatch.setattr(version_mod, "version", missing)
    monkeypatch.setattr(version_mod, "PYPROJECT", pyproject)
    version_mod.package_version.cache_clear()
    try:
        assert version_mod.package_version() == "9.8.7"
        pyproject.write_text("not toml [", "utf-8")
        version_mod.package_version.cache_clear()
        assert version_mod.package_version() == "unknown"
    finally:
        version_mod.package_version.cache_clear()
