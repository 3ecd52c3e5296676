"""Who is calling: tenants by API key, an optional admin key, and short-lived signed links.

Keys come from the environment and travel only in the ``Authorization: Bearer <key>`` header:

    JUESUAN_API_KEYS="finance-bureau:k1,audit-bureau:k2"   one key per tenant (a tenant may have several)
    JUESUAN_ADMIN_KEY="…"                                   optional: sees and recovers every batch
    JUESUAN_API_TOKEN="…"                                   the older single token: one tenant, "default"

With none of them set the api is open (local use): every caller is the admin.

Browsers cannot send headers on a plain link, so report and summary URLs in status answers carry a
signature instead: ``?exp=<unix time>&sig=<hmac>`` over the path, valid for ``link_ttl_seconds``.
A signed link opens that one path, for GET, until it expires; it is no key to anything else.

The web page signs in with a key once and then carries a session cookie (``juesuan_session``):
``<key fingerprint>.<exp>.<hmac>``. It stands for the key it was made from, so removing that key from
the settings ends its sessions; it expires after ``SESSION_TTL_SECONDS``; the key itself is never
stored in the browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from shared.settings import Settings

TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_TENANT = "default"
SESSION_COOKIE = "juesuan_session"
SESSION_TTL_SECONDS = 8 * 3600  # a working day


class KeyConfigError(ValueError):
    """The key settings cannot be read; the message says which entry and how to fix it."""


@dataclass(frozen=True)
class Principal:
    tenant: str | None  # None for the admin
    admin: bool = False

    def owns(self, owner: str | None) -> bool:
        return self.admin or (owner or DEFAULT_TENANT) == self.tenant

    @property
    def label(self) -> str:
        return "admin" if self.admin else str(self.tenant)


ADMIN = Principal(tenant=None, admin=True)


class KeyRing:
    def __init__(
        self, keys: dict[str, str], admin_key: str | None, link_secret: bytes, link_ttl: int
    ) -> None:
        self._keys = keys  # key → tenant
        self._admin = admin_key
        self._secret = link_secret
        self.link_ttl = link_ttl

    @property
    def enabled(self) -> bool:
        return bool(self._keys or self._admin)

    @classmethod
    def from_settings(cls, s: Settings) -> KeyRing:
        keys: dict[str, str] = {}
        for n, entry in enumerate(filter(None, (e.strip() for e in (s.api_keys or "").split(","))), 1):
            tenant, sep, key = entry.partition(":")
            tenant, key = tenant.strip(), key.strip()
            if not sep or not TENANT_RE.match(tenant) or len(key) < 8:
                raise KeyConfigError(
                    f"JUESUAN_API_KEYS entry {n} is not 'tenant:key' with a tenant of letters, digits, '-', '_', '.' "
                    "and a key of at least 8 characters"
                )
            if key in keys and keys[key] != tenant:
                raise KeyConfigError(f"JUESUAN_API_KEYS entry {n}: the same key is given to two tenants")
            keys[key] = tenant
        if s.api_token:
            keys.setdefault(s.api_token, DEFAULT_TENANT)
        admin = s.admin_key or None
        if admin and admin in keys:
            raise KeyConfigError("JUESUAN_ADMIN_KEY must differ from every tenant key")
        material = s.link_secret or "\n".join(sorted(keys) + [admin or ""])
        secret = hashlib.sha256(b"juesuan-links\n" + material.encode()).digest()
        return cls(keys, admin, secret, s.link_ttl_seconds)

    def may_operate(self, who: Principal) -> bool:
        """System-wide views (/metrics): the admin, or the single token when it is the only key."""
        return who.admin or (not self._admin and set(self._keys.values()) == {DEFAULT_TENANT})

    def identify(self, key: str) -> Principal | None:
        """The caller a key stands for; every key is compared in constant time."""
        if not self.enabled:
            return ADMIN
        found: Principal | None = None
        if self._admin and hmac.compare_digest(key.encode(), self._admin.encode()):
            found = ADMIN
        for k, tenant in self._keys.items():
            if hmac.compare_digest(key.encode(), k.encode()):
                found = found or Principal(tenant=tenant)
        return found

    # ------------------------------------------------------------------ web sessions
    def _fingerprint(self, key: str) -> str:
        digest = hmac.new(self._secret, b"session-key\n" + key.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")

    def _session_sig(self, fingerprint: str, exp: int) -> str:
        msg = f"SESSION\n{fingerprint}\n{exp}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def session_token(self, key: str, now: float | None = None) -> str | None:
        """A session cookie value for a valid key (None for an invalid one)."""
        if not self.enabled or self.identify(key) is None:
            return None
        exp = int((time.time() if now is None else now) + SESSION_TTL_SECONDS)
        fp = self._fingerprint(key)
        return f"{fp}.{exp}.{self._session_sig(fp, exp)}"

    def session_principal(self, token: str, now: float | None = None) -> Principal | None:
        """The caller a session cookie stands for: None when it is malformed, tampered with,
        expired, or made from a key that is no longer configured."""
        fp, _, rest = token.partition(".")
        exp, _, sig = rest.partition(".")
        if not fp or not exp.isdigit() or not sig:
            return None
        e = int(exp)
        t = time.time() if now is None else now
        if e < t or e > t + SESSION_TTL_SECONDS + 5:
            return None
        if not hmac.compare_digest(sig, self._session_sig(fp, e)):
            return None
        found: Principal | None = None
        if self._admin and hmac.compare_digest(fp, self._fingerprint(self._admin)):
            found = ADMIN
        for k, tenant in self._keys.items():
            if hmac.compare_digest(fp, self._fingerprint(k)):
                found = found or Principal(tenant=tenant)
        return found

    # ------------------------------------------------------------------ signed links
    def _sig(self, path: str, exp: int) -> str:
        return hmac.new(self._secret, f"GET\n{path}\n{exp}".encode(), hashlib.sha256).hexdigest()[:32]

    def sign(self, path: str, now: float | None = None) -> str:
        """``path`` with a signature that opens it (GET only) for ``link_ttl`` seconds."""
        if not self.enabled:
            return path
        exp = int((time.time() if now is None else now) + self.link_ttl)
        return f"{path}?{urlencode({'exp': exp, 'sig': self._sig(path, exp)})}"

    def verify(self, path: str, exp: str, sig: str, now: float | None = None) -> bool:
        if not exp.isdigit() or not sig:
            return False
        e = int(exp)
        t = time.time() if now is None else now
        if e < t or e > t + self.link_ttl + 5:  # expired, or longer-lived than we ever sign
            return False
        return hmac.compare_digest(sig, self._sig(path, e))
