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
