"""The rule catalogue: every rule has a stable code, a category, a default severity, a Chinese
title and a three-part doc (what / why / example), like ruff's rule registry. Codes are never
reused. Rules register themselves with :func:`rule`; :func:`all_rules` lists them in code order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shared.models import Category, Finding, ParsedDocument, Severity


class NotApplicable(Exception):
    """Raised by a check when its inputs are absent; the message (Chinese) goes to coverage."""


@dataclass
class CheckContext:
    """Passed to every check: counts the comparisons made so coverage can say "ran N checks"."""

    checks: int = 0
    skipped: list[str] = field(default_factory=list)  # comparisons not made, and why (Chinese)

    def tick(self, n: int = 1) -> None:
        self.checks += n

    def skip(self, reason: str) -> None:
        self.skipped.append(reason)


CheckFn = Callable[["Rule", ParsedDocument, CheckContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # snake_case English identifier
    category: Category
    severity: Severity
    title: str  # Chinese
    what: str  # Chinese: what it checks
    why: str  # Chinese: why it matters
    example: str  # Chinese: an example of a failure
    check: CheckFn = field(compare=False, repr=False)


_REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    category: Category,
    severity: Severity,
    title: str,
    what: str,
    why: str,
    example: str,
) -> Callable[[CheckFn], CheckFn]:
    """Decorator registering a check function as a catalogue rule."""

    def register(fn: CheckFn) -> CheckFn:
        if code in _REGISTRY:
            raise ValueError(f"rule code {code} registered twice")
        _REGISTRY[code] = Rule(code, name, category, severity, title, what, why, example, fn)
        return fn

    return register


def all_rules() -> list[Rule]:
    from services.validate import rules as _rules  # noqa: F401  (import registers the rules)

    return [_REGISTRY[c] for c in sorted(_REGISTRY)]


def get_rule(code: str) -> Rule:
    all_rules()
    return _REGISTRY[code]
