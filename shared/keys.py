"""Object-store layout. Keys are derived from ids only, so every stage is idempotent: running a
stage twice on the same input writes the same objects."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

SAFE_NAME_RE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


BATCH_ID_RE = re.compile(r"b_[A-Za-z0-9]{16}")  # new_batch_id: 12 random bytes, base64url with -/_ replaced
DOC_ID_RE = re.compile(r"d_[0-9a-f]{20}")  # new_doc_id and doc_id_for_content: 20 hex digits


def valid_batch_id(batch_id: str) -> bool:
    """True for what ``new_batch_id`` produces (anything else cannot name a batch)."""
    return isinstance(batch_id, str) and BATCH_ID_RE.fullmatch(batch_id) is not None


def valid_doc_id(doc_id: str) -> bool:
    """True for what ``new_doc_id`` and ``doc_id_for_content`` produce."""
    return isinstance(doc_id, str) and DOC_ID_RE.fullmatch(doc_id) is not None


def new_batch_id() -> str:
    return "b_" + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


def doc_id_for_content(batch_id: str, sha256: str) -> str:
    """Same content in the same batch → same document (no duplicates); unguessable without the batch id."""
    return "d_" + hmac.new(batch_id.encode(), sha256.encode(), hashlib.sha256).hexdigest()[:20]


def new_doc_id() -> str:
    return "d_" + secrets.token_hex(10)


MAX_NAME_CHARS = 120
_MAX_EXT_CHARS = 10


def safe_name(name: str) -> str:
    """The last path component of ``name`` as a name safe in an object key and on any disk: no
    separators, control characters or other punctuation ("_" instead), no leading/trailing dots
    or spaces (".", "..", "x/.." and names of dots only become "document"), at most
    ``MAX_NAME_CHARS`` characters with the extension kept when it is cut."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = SAFE_NAME_RE.sub("_", base).strip(". ")
    if not base.strip("._ "):
        return "document"
    if len(base) > MAX_NAME_CHARS:
        stem, dot, ext = base.rpartition(".")
        suffix = f".{ext}" if dot and stem and 0 < len(ext) <= _MAX_EXT_CHARS else ""
        base = (base[: len(base) - len(suffix)] if suffix else base)[: MAX_NAME_CHARS - len(suffix)].rstrip(
            ". "
        ) + suffix
    return base


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_DISPLAY_CHARS = 200


def display_name(name: str) -> str:
    """A name as shown in status and reports when the file is refused (it is stored nowhere):
    control characters replaced, very long names shortened in the middle (the end, with the
    extension, is kept)."""
    name = _CONTROL_RE.sub("_", name or "") or "document"
    if len(name) > MAX_DISPLAY_CHARS:
        name = name[: MAX_DISPLAY_CHARS - 41] + "…" + name[-40:]
    return name


def raw_key(batch_id: str, doc_id: str, filename: str) -> str:
    return f"raw/{batch_id}/{doc_id}/{safe_name(filename)}"


def stage_key(stage: str, batch_id: str, doc_id: str, ext: str = "json") -> str:
    return f"{stage}/{batch_id}/{doc_id}.{ext}"


def report_key(batch_id: str, doc_id: str, suffix: str) -> str:
    """A document's report in one format: ``suffix`` is the format's (".json", ".annotated.pdf")."""
    return f"reports/{batch_id}/{doc_id}{suffix}"


def batch_manifest_key(batch_id: str) -> str:
    return f"manifests/{batch_id}/batch.json"


def doc_manifest_key(batch_id: str, doc_id: str) -> str:
    return f"manifests/{batch_id}/docs/{doc_id}.json"


def summary_key(batch_id: str, ext: str) -> str:
    return f"reports/{batch_id}/_summary.{ext}"


def parse_raw_key(key: str) -> tuple[str, str, str] | None:
    """raw/{batch}/{doc}/{name} → (batch, doc, name); None unless both ids are valid and the name is
    one ``safe_name`` would keep as it is."""
    parts = key.split("/", 3)
    if len(parts) != 4 or parts[0] != "raw" or not valid_batch_id(parts[1]) or not valid_doc_id(parts[2]):
        return None
    if not parts[3] or safe_name(parts[3]) != parts[3]:
        return None
    return parts[1], parts[2], parts[3]
