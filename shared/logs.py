"""Structured logs: one JSON object per line, for the api and every worker.

    logs.configure("api")                       # once per process (idempotent)
    with logs.context(batch=b, doc=d):          # every line logged inside carries batch and doc
        log.info("event=stage_done stage=parse ms=%.1f", ms)

Each line holds ``ts``, ``level``, ``service``, ``logger``, ``msg``, the fields bound in the current
context (contextvars: per thread and per asyncio task), the ``extra=`` fields of the call, and the
``key=value`` pairs of messages written in the project's old style ("event=stage_done stage=parse
batch=b_x doc=d_y ms=12.3" → event, stage, batch, doc, duration_ms), so those calls are structured
without being rewritten. Numbers become JSON numbers; ``ms`` is reported as ``duration_ms``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TextIO

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_CTX: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "juesuan_log_context", default=_EMPTY
)

RESERVED = frozenset({"ts", "level", "service", "logger", "msg", "exc"})
# Fields that are identifiers or words, never numbers (a doc id of digits stays a string).
STRING_FIELDS = frozenset(
    {"batch", "doc", "task", "stage", "event", "reason", "error", "queue", "path", "request_id"}
)
RENAMED = {"ms": "duration_ms"}

# The attributes every LogRecord has: anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "taskName",
}

# "key=" at the start of the message or after whitespace; a value runs to the next such key.
_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z_][A-Za-z0-9_.]*)=")
_INT = re.compile(r"-?(?:0|[1-9]\d{0,17})")
_FLOAT = re.compile(r"-?(?:0|[1-9]\d*)\.\d+(?:[eE][-+]?\d+)?")

_HANDLER_MARK = "_juesuan_json"


# ------------------------------------------------------------------------------------ context
def current() -> dict[str, Any]:
    """The fields bound in the current context."""
    return dict(_CTX.get())


def bind(**fields: Any) -> contextvars.Token:
    """Add fields to the current context (None removes a field); returns a token for ``reset``."""
    merged = {**_CTX.get(), **fields}
    return _CTX.set({k: v for k, v in merged.items() if v is not None})


def reset(token: contextvars.Token) -> None:
    """Restore the context as it was before the ``bind`` that returned ``token``."""
    _CTX.reset(token)


def clear() -> None:
    _CTX.set(_EMPTY)


@contextmanager
def context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Bind fields for the duration of a ``with`` block."""
    token = bind(**fields)
    try:
        yield current()
    finally:
        _CTX.reset(token)


# ------------------------------------------------------------------------------------ key=value
def _value(key: str, raw: str) -> Any:
    v = raw.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    if key in STRING_FIELDS:
        return v
    if _INT.fullmatch(v):
        return int(v)
    if _FLOAT.fullmatch(v):
        return float(v)
    return v


def parse_kv(message: str) -> dict[str, Any]:
    """The ``key=value`` pairs of an old-style message ("event=x stage=parse ms=1.5").

    Only messages that start with a pair are read (free text that happens to contain '=' is not).
    A value runs to the next ``key=`` so a reason with spaces stays whole."""
    text = message.strip()
    matches = list(_KEY.finditer(text))
    if not matches or matches[0].start() != 0:
        return {}
    out: dict[str, Any] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        key = RENAMED.get(m.group(1), m.group(1))
        out[key] = _value(key, text[m.end() : end])
    return out


# ------------------------------------------------------------------------------------ formatter
class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": msg,
        }
        fields: dict[str, Any] = dict(_CTX.get())
        fields.update(parse_kv(msg))
        for k, v in vars(record).items():
            if k not in _STANDARD_ATTRS and not k.startswith("_"):
                fields[RENAMED.get(k, k)] = v
        for k, v in fields.items():
            out[k if k not in RESERVED else f"field_{k}"] = v
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


# ------------------------------------------------------------------------------------ configure
def configure(service: str, level: str | int = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record of the process, as JSON lines, to ``stream`` (stderr by default).

    Idempotent: a second call updates the service name and level of the one handler. Plain stream
    handlers others installed on the root logger are removed (their lines would be duplicated);
    capture handlers (pytest's) are kept. uvicorn's loggers are routed through ours, except its
    access log, which the api's request middleware replaces."""
    root = logging.getLogger()
    lvl = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(lvl, int):
        lvl = logging.INFO
    handler = next((h for h in root.handlers if getattr(h, _HANDLER_MARK, False)), None)
    if handler is None:
        for h in list(root.handlers):
            if type(h) is logging.StreamHandler:
                root.removeHandler(h)
        handler = logging.StreamHandler(stream or sys.stderr)
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    elif stream is not None and isinstance(handler, logging.StreamHandler):
        handler.setStream(stream)
    handler.setFormatter(JsonFormatter(service))
    root.setLevel(lvl)
    for name in ("uvicorn", "uvicorn.error", "celery", "celery.task", "celery.redirected"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings.warn(...) become JSON lines too (logger "py.warnings")
    return handler


__all__ = ["JsonFormatter", "bind", "clear", "configure", "context", "current", "parse_kv", "reset"]
