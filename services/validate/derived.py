"""Data derived from a ParsedDocument that several rules read (normalised passages, the joined
narrative, …): built on first use, once per document, and dropped with the document.

Rules stay pure functions of the document; this only saves them folding the same lines again."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from shared.models import ParsedDocument

T = TypeVar("T")

_STORE: dict[int, dict[str, Any]] = {}


def derived(doc: ParsedDocument, name: str, build: Callable[[ParsedDocument], T]) -> T:
    """``build(doc)``, computed once per document under ``name``."""
    key = id(doc)
    per = _STORE.get(key)
    if per is None:
        per = _STORE[key] = {}
        weakref.finalize(doc, _STORE.pop, key, None)
    if name not in per:
        per[name] = build(doc)
    value: T = per[name]
    return value
