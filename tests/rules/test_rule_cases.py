"""Rule test cases as data (in the style of sqlfluff's rule YAML tests).

Every rule in the catalogue has ``cases/<CODE>.yml``::

    rule: A401
    cases:
      - name: yoy_rate_correct
        pass_str: |
          …document text…
      - name: yoy_rate_wrong
        fail_str: |
          …
        expect_in_message: "12.10%"   # optional
        expect_count: 1               # optional: exactly this many findings of the rule
        expect_severity: error        # optional: every finding has this severity
        xfail: "why"                  # optional: a known parser/rule bug (strict xfail)

Each case's text, behind a fixed preamble that makes it look like a 决算 document, goes through the
real ingest and parse (``extract_text_document`` → ``parse_document``) and then through that one
rule only:

- ``pass_str``: the rule reports nothing *and* made at least one comparison (``ctx.checks > 0``), so
  a pass case cannot pass because the rule never found its inputs;
- ``fail_str``: the rule reports at least one finding, whose message contains
  ``expect_in_message`` when given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.ingest.text import extract_text_document
from services.parse.document import parse_document
from services.validate.catalogue import CheckContext, NotApplicable, all_rules, get_rule

CASES_DIR = Path(__file__).parent / "cases"

# Prepended to every case: the parser rejects text without enough 决算 markers. The year (2023) is
# the one every case uses; a case's own “2023年度” lines make it the document's year.
PREAMBLE = (
    "第一部分 测试市测试局部门概况\n"
    "本部门2023年度部门决算公开，包括收入支出决算总表、财政拨款收入支出决算总表等。\n"
)
CASE_KEYS = {
    "name",
    "pass_str",
    "fail_str",
    "expect_in_message",
    "expect_count",
    "expect_severity",
    "xfail",
    "description",
}


def _load() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(CASES_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[path.stem] = data
    return out


FILES = _load()


def _params() -> list[Any]:
    params = []
    for stem, data in FILES.items():
        for case in data.get("cases") or []:
            marks = []
            if case.get("xfail"):
                marks.append(pytest.mark.xfail(reason=str(case["xfail"]), strict=True))
            params.append(
                pytest.param(
                    data.get("rule", stem),
                    case,
                    id=f"{data.get('rule', stem)}-{case.get('name')}",
                    marks=marks,
                )
            )
    return params


def run_rule(code: str, text: str) -> tuple[list[Any], CheckContext, bool]:
    """Parse ``text`` (behind the preamble) and run only rule ``code``.
    Returns (findings of that rule, context, whether the rule was applicable)."""
    parsed = parse_document(extract_text_document(f"{code}.txt", (PREAMBLE + text).encode("utf-8")))
    rule = get_rule(code)
    ctx = CheckContext()
    try:
        findings = list(rule.check(rule, parsed, ctx))
    except NotApplicable:
        return [], ctx, False
    return [f for f in findings if f.code == code], ctx, True


@pytest.mark.parametrize(("code", "case"), _params())
def test_rule_case(code: str, case: dict[str, Any]) -> None:
    assert ("pass_str" in case) != ("fail_str" in case), "a case has exactly one of pass_str / fail_str"
    if "pass_str" in case:
        findings, ctx, applicable = run_rule(code, case["pass_str"])
        assert applicable, f"{code} raised NotApplicable on a pass case: it never ran"
        assert not findings, f"{code} flagged a clean case: " + " | ".join(f.message for f in findings)
        assert ctx.checks > 0, f"{code} made no comparison on a pass case (skipped: {ctx.skipped})"
    else:
        findings, ctx, applicable = run_rule(code, case["fail_str"])
        assert findings, (
            f"{code} missed a violation (applicable={applicable}, checks={ctx.checks}, skipped={ctx.skipped})"
        )
        expected = case.get("expect_in_message")
        if expected is not None:
            messages = [f.message for f in findings]
            assert any(str(expected) in m for m in messages), f"{expected!r} not in any message: {messages}"
        if "expect_count" in case:
            assert len(findings) == case["expect_count"], [f.message for f in findings]
        if "expect_severity" in case:
            assert {str(f.severity) for f in findings} == {case["expect_severity"]}, [
                (f.severity, f.message) for f in findings
            ]


def test_every_rule_has_cases() -> None:
    codes = [r.code for r in all_rules()]
    problems = []
    for code in codes:
        data = FILES.get(code)
        if data is None:
            problems.append(f"{code}: no cases/{code}.yml")
            continue
        cases = data.get("cases") or []
        if not any("pass_str" in c for c in cases):
            problems.append(f"{code}: no pass_str case")
        if not any("fail_str" in c for c in cases):
            problems.append(f"{code}: no fail_str case")
    assert not problems, "; ".join(problems)


def test_case_files_well_formed() -> None:
    codes = {r.code for r in all_rules()}
    problems = []
    for stem, data in FILES.items():
        if not isinstance(data, dict) or data.get("rule") != stem:
            problems.append(f"{stem}.yml: 'rule' must be {stem}")
            continue
        if stem not in codes:
            problems.append(f"{stem}.yml: no such rule in the catalogue")
        names = [c.get("name") for c in data.get("cases") or []]
        if len(names) != len(set(names)) or not all(names):
            problems.append(f"{stem}.yml: case names must be present and unique")
        for c in data.get("cases") or []:
            unknown = set(c) - CASE_KEYS
            if unknown:
                problems.append(f"{stem}.yml {c.get('name')}: unknown keys {sorted(unknown)}")
            if ("pass_str" in c) == ("fail_str" in c):
                problems.append(f"{stem}.yml {c.get('name')}: needs exactly one of pass_str / fail_str")
            for key in ("expect_in_message", "expect_count", "expect_severity"):
                if key in c and "fail_str" not in c:
                    problems.append(f"{stem}.yml {c.get('name')}: {key} only applies to fail_str")
    assert not problems, "; ".join(problems)
