"""Tests of the synthetic corpus generator (corpus/): determinism, encodings, identities of clean
documents (recomputed from the generator's internal model, not by parsing text), defect
injection, and the CLI."""

from __future__ import annotations

import difflib
import functools
import json
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest

from corpus.__main__ import main, plan, write_corpus
from corpus.defects import DEFECT_CODES, TABLE_DEFECTS, Draft
from corpus.generator import STYLES, build_draft, defective_draft, generate_document, supported_defects
from corpus.model import FinalAccounts, grade_for, percent, shares_add_up
from corpus.render_common import kangxi
from corpus.tables import Money
from corpus.verify import violations

SEEDS = range(40)
# A defect's own code, plus what the same change necessarily breaks elsewhere (see defects.py):
# N301 changes a total whose parts the sentence lists; X203 changes 公用支出合计, which
# 机关运行经费 restates.
# A414 changes 年末结转和结余's change, so last year's balance (A415) breaks too; N320 leaves out a
# 类 paragraph, so the section's total exceeds the 类 it lists.
COLLATERAL = {
    "narrative_total_mismatch": {"SUM"},
    "basic_vs_economic_mismatch": {"N301"},
    "carryover_discontinuity": {"A415"},
    "fiscal_category_omitted": {"SUM"},
}


# --------------------------------------------------------------------------- determinism, encodings


@pytest.mark.parametrize("style", STYLES)
def test_same_seed_same_document(style: str) -> None:
    a = generate_document(11, style, ["yoy_percent_wrong", "grade_band_wrong"])
    b = generate_document(11, style, ["yoy_percent_wrong", "grade_band_wrong"])
    assert a.text == b.text and a.data == b.data
    assert [d.as_dict() for d in a.defects] == [d.as_dict() for d in b.defects]
    assert generate_document(12, style, []).text != generate_document(11, style, []).text


def test_names_and_metadata() -> None:
    doc = generate_document(7, "pdf", [])
    assert doc.name == "gen_0007_pdf"
    assert kangxi(doc.department) in doc.text
    assert 2019 <= doc.year <= 2024
    assert doc.defects == []


def test_encodings() -> None:
    pdf = generate_document(3, "pdf", [])
    assert not pdf.data.startswith(b"\xef\xbb\xbf") and pdf.data.decode("utf-8") == pdf.text
    ocr = generate_document(3, "ocr", [])
    assert ocr.data.decode("gb18030") == ocr.text
    with pytest.raises(UnicodeDecodeError):
        ocr.data.decode("utf-8")
    word = generate_document(3, "word", [])
    assert word.data[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert word.data.decode("utf-16") == word.text


# --------------------------------------------------------------------------- clean documents


def _model_identities(a: FinalAccounts) -> None:
    """The identities of domain.md, recomputed from the model."""
    assert a.grand_total == a.income + a.carry_in == a.expenditure + a.carry_out
    assert a.fiscal_income + a.carry_in == a.fiscal_expenditure + a.carry_out
    assert a.expenditure == a.basic + a.project
    for fiscal_only in (True, False):
        cats = a.categories(fiscal_only)
        assert sum(a.sum_prefix(c, fiscal_only) for c in cats) == a.sum_prefix("", fiscal_only)
        for cat in cats:
            items = {lf.code[:5] for lf in a.rows(fiscal_only) if lf.code.startswith(cat)}
            assert a.sum_prefix(cat, fiscal_only) == sum(a.sum_prefix(i, fiscal_only) for i in items)
    assert a.fiscal_basic == a.personnel + a.public  # 05 基本支出 = 06 人员 + 公用
    tp = a.three_public
    assert tp.abroad.actual == a.econ.get("30212", 0)
    assert tp.reception.actual == a.econ.get("30217", 0)
    assert tp.car_running.actual == a.econ.get("30231", 0)
    assert tp.car_purchase.actual == a.econ.get("31013", 0)
    assert tp.cars_held == a.assets.vehicle_total
    # narrated compositions add up to exactly 100.00%
    assert shares_add_up([a.fiscal_income, a.other_income])
    assert shares_add_up([a.basic, a.project])
    pf = a.performance
    assert all(ln.score <= ln.weight for ln in pf.lines) and pf.exec_score <= pf.exec_weight
    assert pf.stated_total == pf.score_sum and pf.total_weight == 100
    assert pf.stated_grade == grade_for(pf.stated_total)
    assert pf.execution_rate == percent(pf.executed, pf.budget_full)


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_model_satisfies_identities(seed: int) -> None:
    doc = generate_document(seed, "pdf", [])
    assert doc.accounts is not None
    _model_identities(doc.accounts)


@pytest.mark.parametrize("seed", range(120))
def test_clean_draft_has_no_violation(seed: int) -> None:
    """Everything that is rendered (tables, narrative pieces, score table) is consistent."""
    assert violations(build_draft(seed)) == set()


def test_yoy_previous_value_convention() -> None:
    """The narrated change % is change / previous, previous = current ∓ change."""
    draft = build_draft(5)
    slots = {k: p.text for k, p in draft.narrative.slots().items()}
    checked = 0
    for key in [k[:-4] for k in slots if k.endswith(".pct")]:
        cur = Decimal(slots.get(f"{key}.amount", slots.get(f"{key}.actual", "0")))
        change = Decimal(slots[f"{key}.change"])
        prev = cur - change if slots[f"{key}.dir"] == "增加" else cur + change
        assert Decimal(slots[f"{key}.pct"].rstrip("%")) == percent(int(change * 100), int(prev * 100))
        checked += 1
    assert checked >= 3


def test_catalog_uses_the_shared_classification() -> None:
    """Function and economic names are the parser's (shared/knowledge/classification.py)."""
    from corpus import catalog
    from shared.knowledge import classification as shared

    assert catalog.FUNCTION_NAMES is shared.FUNCTION_NAMES
    lines = catalog.PERSONNEL_LINES + catalog.GOODS_SERVICES_LINES + catalog.OTHER_PUBLIC_LINES
    assert all(shared.ECONOMIC_NAMES[code] == name for code, name in lines)
    assert dict(lines)["30305"] == "生活补助" and dict(lines)["30399"] == "其他对个人和家庭的补助"
    assert set(catalog.summary_categories(2024)) <= set(shared.categories_for(2024))
    for seed in range(10):
        a = build_draft(seed).accounts
        assert all(shared.FUNCTION_NAMES[code] == name for code, name in a.names.items())


# --------------------------------------------------------------------------- defects


@functools.cache
def _clean_text(seed: int, style: str) -> str:
    return generate_document(seed, style, []).text


@functools.cache
def _clean_draft(seed: int) -> Draft:
    return build_draft(seed)  # read only


def _changed_places(clean: Draft, bad: Draft) -> int:
    slots_a, slots_b = clean.narrative.slots(), bad.narrative.slots()
    slots = sum(1 for k in slots_a if k in slots_b and slots_a[k].text != slots_b[k].text)
    if not slots:  # a defect in unnumbered text (a duplicated word, a removed sentence): count paragraphs
        paras_a = ["".join(p.text for p in para.pieces) for para in clean.narrative.paras]
        paras_b = ["".join(p.text for p in para.pieces) for para in bad.narrative.paras]
        # aligned, so a paragraph left out (C008, N320) counts once, not every paragraph after it
        matcher = difflib.SequenceMatcher(None, paras_a, paras_b, autojunk=False)
        slots = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")
    cells = 0
    for ta, tb in zip(clean.tables, bad.tables, strict=True):
        for ra, rb in zip(ta.rows, tb.rows, strict=True):
            for pa, pb in zip(ra.parts, rb.parts, strict=True):
                cells += sum(1 for ca, cb in zip(pa.cells, pb.cells, strict=True) if ca != cb)
    scores = sum(1 for la, lb in zip(clean.performance.lines, bad.performance.lines, strict=True) if la != lb)
    # how the score tables' rows are printed (P611's unscored 执行 row, P609's 部门整体 一级 分值)
    scores += sum(
        getattr(clean.performance, f) != getattr(bad.performance, f) for f in ("exec_scored", "whole")
    )
    return slots + cells + scores


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", sorted(DEFECT_CODES))
def test_each_defect_is_recorded_and_only_its_inconsistency_appears(style: str, name: str) -> None:
    if name not in supported_defects(style):
        assert generate_document(1, style, [name]).defects == []
        return
    for seed in range(5):
        doc = generate_document(seed, style, [name])
        assert len(doc.defects) == 1
        d = doc.defects[0]
        assert (d.kind, d.code) == (name, DEFECT_CODES[name])
        assert d.description and d.hint and d.hint in doc.text
        bad, _ = defective_draft(seed, style, [name])
        assert violations(bad) == {d.code} | COLLATERAL.get(name, set())
        assert 1 <= _changed_places(_clean_draft(seed), bad) <= 8
        assert doc.text != _clean_text(seed, style)


def test_several_defects_in_one_document() -> None:
    names = ["yoy_percent_wrong", "direction_word_wrong", "hierarchy_sum_wrong"]
    doc = generate_document(21, "ocr", names)
    assert [d.kind for d in doc.defects] == names
    bad, _ = defective_draft(21, "ocr", names)
    assert violations(bad) == {"A401", "A402", "T101"}


def test_word_style_skips_table_defects() -> None:
    assert set(supported_defects("word")) == set(DEFECT_CODES) - TABLE_DEFECTS
    doc = generate_document(4, "word", ["hierarchy_sum_wrong", "count_mismatch", "unit_wrong"])
    assert [d.code for d in doc.defects] == ["U501"]


def test_unknown_names_are_rejected() -> None:
    with pytest.raises(ValueError):
        generate_document(1, "pdf", ["no_such_defect"])
    with pytest.raises(ValueError):
        generate_document(1, "docx", [])


def test_table_defects_change_cells_consistently() -> None:
    clean, bad = build_draft(9), defective_draft(9, "pdf", ["hierarchy_sum_wrong"])[0]
    main = next(lf.code[:5] for lf in clean.accounts.leaves if lf.name == "行政运行")
    before = [c.fen for c in clean.table("t03").row(main).parts[0].cells if isinstance(c, Money)]
    after = [c.fen for c in bad.table("t03").row(main).parts[0].cells if isinstance(c, Money)]
    assert after[0] == sum(after[1:]) and after != before  # the 款 row itself still adds up


# --------------------------------------------------------------------------- styles look like the seeds


def test_pdf_style_features() -> None:
    texts = [generate_document(s, "pdf", []).text for s in range(8)]
    joined = "".join(texts)
    assert "⽀" in joined and "⼊" in joined and "⼈" in joined and "⽤" in joined and "⼀" in joined
    assert "公开 01表" in joined and "部⻔：" in joined
    assert re.search(r"\d,\d{3}\.\d\d", joined)  # thousands separators in tables
    assert re.search(r"\n— \d+ —\n", joined)  # page footers
    assert re.search(r"^30101 基本⼯资 [\d,.]+ 30201 ", joined, re.MULTILINE)  # table 06 side by side


def test_ocr_style_features() -> None:
    texts = [generate_document(s, "ocr", []).text for s in range(8)]
    joined = "".join(texts)
    assert "编制单位：" in joined and " 0 00" in joined
    assert re.search(r" \d+ \d\d(?= |$)", joined, re.MULTILINE)  # decimal point lost
    assert not any(0x2E80 <= ord(ch) <= 0x2FDF for ch in joined)
    for text in texts:  # letter-for-digit noise never in the narrative
        narrative = text[text.index("第三部分") :]
        assert not re.search(r"\d[Il]|[Il]\.\s?\d|\do\d", narrative)


def test_word_style_features() -> None:
    texts = [generate_document(s, "word", []).text for s in range(8)]
    joined = "".join(texts)
    assert "[bookmark: _Toc" in joined and "\t" in joined
    assert "公开01表" not in joined and "收入支出决算总表" not in joined
    assert not re.search(r"\d,\d{3}\.\d\d", joined)


def test_generation_is_fast() -> None:
    start = time.perf_counter()
    for seed in range(30):
        generate_document(seed, STYLES[seed % 3], ["unit_wrong"])
    assert (time.perf_counter() - start) / 30 < 0.05


# --------------------------------------------------------------------------- CLI


def test_cli_writes_documents_and_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--count", "12", "--seed", "5"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("wrote 12 documents") and "\n" not in out
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) == 12
    for entry in manifest:
        data = (tmp_path / f"{entry['name']}.txt").read_bytes()
        text = data.decode(entry["encoding"])
        assert entry["style"] in STYLES and entry["name"].endswith(entry["style"])
        assert set(entry) >= {"name", "style", "department", "year", "defects"}
        for d in entry["defects"]:
            assert set(d) == {"code", "kind", "description", "hint"} and d["hint"] in text
            assert d["kind"] in supported_defects(entry["style"])


def test_cli_is_deterministic(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", 9, base_seed=2)
    write_corpus(tmp_path / "b", 9, base_seed=2)
    for f in (tmp_path / "a").iterdir():
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()


def test_corpus_mix() -> None:
    plans = [plan(i, 0) for i in range(300)]
    clean = sum(1 for _, _, d in plans if not d)
    assert 70 <= clean <= 130  # roughly one third
    assert all(1 <= len(d) <= 3 and len(set(d)) == len(d) for _, _, d in plans if d)
    assert {s for _, s, _ in plans} == set(STYLES)


def test_table_defects_are_skipped_when_the_tables_part_is_missing() -> None:
    # a defect in a table that is not printed could never be found: it is not injected
    doc = generate_document(18, "pdf", ["tables_part_missing", "hierarchy_sum_wrong", "yoy_percent_wrong"])
    assert [d.kind for d in doc.defects] == ["tables_part_missing", "yoy_percent_wrong"]
