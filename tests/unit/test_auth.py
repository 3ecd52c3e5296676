"""Tenants by key, the admin key, the single-token mode and signed links (our own logic: the S3
stand-in checks no signatures, so expiry and tampering are tested here)."""

from __future__ import annotations

import pytest

from services.api.auth import ADMIN, KeyConfigError, KeyRing, Principal
from shared.settings import Settings


def ring(**kw) -> KeyRing:
    return KeyRing.from_settings(Settings(**kw))


def test_keys_map_to_their_tenants_and_unknown_keys_to_nobody():
    r = ring(api_keys="finance:key-finance-1, audit:key-audit-22", admin_key="key-admin-333")
    assert r.identify("key-finance-1") == Principal("finance")
    assert r.identify("key-audit-22") == Principal("audit")
    assert r.identify("key-admin-333") == ADMIN
    assert r.identify("key-finance-") is None and r.identify("") is None


def test_ownership():
    assert Principal("a").owns("a") and not Principal("a").owns("b")
    assert ADMIN.owns("a") and ADMIN.owns(None)
    assert Principal("default").owns(None)  # batches from before tenants belong to the single token


def test_single_token_is_one_tenant_and_no_keys_means_open():
    assert ring(api_token="legacy-token").identify("legacy-token") == Principal("default")
    assert ring(api_token="legacy-token").identify("other") is None
    open_ring = ring()
    assert not open_ring.enabled and open_ring.identify("") == ADMIN
    assert open_ring.sign("/x") == "/x"


@pytest.mark.parametrize("value", ["nocolon", ":key-123456", "bad tenant:key-123456", "t:short"])
def test_malformed_key_settings_are_refused_with_the_entry(value: str):
    with pytest.raises(KeyConfigError, match="entry 1"):
        ring(api_keys=value)


def test_one_key_for_two_tenants_or_admin_equal_to_a_tenant_key_is_refused():
    with pytest.raises(KeyConfigError, match="two tenants"):
        ring(api_keys="a:key-123456,b:key-123456")
    with pytest.raises(KeyConfigError, match="ADMIN"):
        ring(api_keys="a:key-123456", admin_key="key-123456")


def test_signed_links_open_one_path_until_they_expire():
    r = ring(api_keys="a:key-123456", link_ttl_seconds=600)
    url = r.sign("/batches/b_x/documents/d_y/report.html", now=1000)
    path, _, query = url.partition("?")
    params = dict(p.split("=") for p in query.split("&"))
    assert r.verify(path, params["exp"], params["sig"], now=1500)
    assert not r.verify(path, params["exp"], params["sig"], now=1601)  # expired
    assert not r.verify("/batches/b_x/documents/d_z/report.html", params["exp"], params["sig"], now=1500)
    assert not r.verify(path, str(int(params["exp"]) + 100), params["sig"], now=1500)  # exp tampered
    assert not r.verify(path, "99999999999", r._sig(path, 99999999999), now=1500)  # longer-lived than signed


def test_link_signatures_depend_on_the_keys():
    a = ring(api_keys="a:key-123456").sign("/p", now=0)
    b = ring(api_keys="a:key-654321").sign("/p", now=0)
    assert a != b
    assert ring(api_keys="a:key-123456", link_secret="s1").sign("/p", now=0) == ring(
        api_keys="a:key-999999", link_secret="s1"
    ).sign("/p", now=0)


def test_a_session_stands_for_its_key_until_it_expires_or_the_key_is_removed():
    from services.api.auth import SESSION_TTL_SECONDS

    r = ring(api_keys="finance:key-finance-1,audit:key-audit-22", admin_key="key-admin-333")
    token = r.session_token("key-finance-1", now=1000)
    assert token and "key-finance-1" not in token  # the key itself never goes to the browser
    assert r.session_principal(token, now=1000 + SESSION_TTL_SECONDS - 1) == Principal("finance")
    assert r.session_principal(token, now=1000 + SESSION_TTL_SECONDS + 1) is None  # expired
    assert r.session_principal(r.session_token("key-admin-333", now=1000) or "", now=1001) == ADMIN
    assert r.session_token("wrong-key-0", now=1000) is None
    fp, exp, sig = token.split(".")
    assert r.session_principal(f"{fp}.{int(exp) + 60}.{sig}", now=1001) is None  # exp tampered
    assert r.session_principal(f"{fp}.{exp}.{'0' * 32}", now=1001) is None
    assert r.session_principal("garbage", now=1001) is None
    # the same secret, the key gone from the settings: its sessions end
    without = ring(api_keys="audit:key-audit-22", admin_key="key-admin-333", link_secret="s" * 32)
    with_key = ring(
        api_keys="finance:key-finance-1,audit:key-audit-22", admin_key="key-admin-333", link_secret="s" * 32
    )
    t2 = with_key.session_token("key-finance-1", now=1000) or ""
    assert with_key.session_principal(t2, now=1001) == Principal("finance")
    assert without.session_principal(t2, now=1001) is None


def test_same_origin_reads_origin_then_referer():
    from services.api.deps import same_origin

    assert same_origin({b"host": b"127.0.0.1:8000", b"origin": b"http://127.0.0.1:8000"})
    assert not same_origin({b"host": b"127.0.0.1:8000", b"origin": b"http://evil.example"})
    assert same_origin({b"host": b"a:1", b"referer": b"http://a:1/ui/batches/x"})
    assert not same_origin({b"host": b"a:1"})  # neither: refused
