"""Tests of the corpus's real-file renderers (corpus/files.py: PDF via reportlab, DOCX via
python-docx, XLSX via openpyxl): the bytes open with the readers the checker uses, carry every
table and the narrative, a defect changes the file where its hint is, and the same seed gives the
same file."""

from __future__ import annotations

import functools
import io
import json
import re
from collections import Counter
from pathlib import Path

import docx
import openpyxl
import pypdfium2
import pytest

from corpus.__main__ import main
from corpus.defects import DEFECT_CODES, supported
from corpus.file_layout import cell_text, score_grid, table_grids
from corpus.files import FILE_FORMATS
from corpus.generator import GeneratedFile, build_draft, generate_file, supported_file_defects

SEEDS = (0, 1, 2)
# Two groups of defects with disjoint targets, injected together (seed 4 takes all of them).
DEFECT_GROUPS = [
    ["hierarchy_sum_wrong", "column_sum_wrong", "basic_vs_economic_mismatch", "three_public_count_vehicle",
     "narrative_total_mismatch", "score_over_weight", "grade_band_wrong"],
    ["count_mismatch", "yoy_percent_wrong", "direction_word_wrong", "share_wrong", "completion_rate_wrong",
     "unit_wrong", "score_total_wrong"],
]  # fmt: skip
DEFECT_SEED = 4


# --------------------------------------------------------------------------- readers


def pdf_lines(data: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(data)
    return [ln for page in doc for ln in page.get_textpage().get_text_range().split("\r\n")]


def docx_lines(data: bytes) -> list[str]:
    """Paragraphs, then every table row as its distinct cells' texts joined by spaces."""
    d = docx.Document(io.BytesIO(data))
    out = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            seen: set[int] = set()
            texts = []
            for c in row.cells:
                if id(c._tc) not in seen and c.text:
                    texts.append(c.text)
                seen.add(id(c._tc))
            out.append(" ".join(texts))
    return out


def _xlsx_text(c: openpyxl.cell.cell.Cell) -> str:
    if c.value is None:
        return ""
    if isinstance(c.value, int | float) and c.number_format == "#,##0.00":
        return f"{c.value:,.2f}"
    return str(c.value)


def xlsx_lines(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [" ".join(t for t in map(_xlsx_text, row) if t) for ws in wb.worksheets for row in ws.iter_rows()]


LINES = {"pdf": pdf_lines, "docx": docx_lines, "xlsx": xlsx_lines}


@functools.cache
def _file(seed: int, fmt: str, defects: tuple[str, ...] = ()) -> GeneratedFile:
    return generate_file(seed, fmt, list(defects))


@functools.cache
def _lines(seed: int, fmt: str, defects: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(LINES[fmt](_file(seed, fmt, defects).data))


def hint_pattern(hint: str) -> re.Pattern[str]:
    """A code hint (“20106”, “2010601”) is printed over the 类 | 款 | 项 cells: “201 06 …”."""
    if hint.isdigit() and len(hint) in (5, 7):
        parts = [hint[:3]] + [hint[i : i + 2] for i in range(3, len(hint), 2)]
        return re.compile(r"(?<!\d)" + r"\s+".join(parts) + r"(?!\s+\d\d\s)(?!\d)")
    return re.compile(re.escape(hint))


def changed_lines(clean: tuple[str, ...], bad: tuple[str, ...]) -> list[str]:
    left = Counter(clean)
    out = []
    for line in bad:
        if left[line]:
            left[line] -= 1
        else:
            out.append(line)
    return out


# --------------------------------------------------------------------------- PDF


@pytest.mark.parametrize("seed", SEEDS)
def test_pdf_opens_with_every_table(seed: int) -> None:
    f = _file(seed, "pdf")
    draft = build_draft(seed)
    doc = pypdfium2.PdfDocument(f.data)
    assert len(doc) >= 15
    sizes = {tuple(round(x) for x in page.get_size()) for page in doc}
    assert sizes == {(595, 842), (842, 595)}  # A4 portrait narrative, landscape wide tables
    text = "\n".join(_lines(seed, "pdf"))
    assert f.department in text and f"{f.year}年度部门决算" in text
    for t in draft.tables:
        assert t.title in text
        assert t.note[0] in text
    assert "单位：万元" in text and "“三公”经费相关统计数" in text and "项目支出绩效自评表" in text
    assert re.search(r"^(- )?\d+( -)?$", text, re.MULTILINE)  # printed page numbers
    assert not any(0x2E80 <= ord(ch) <= 0x2FDF for ch in text)  # plain Unicode, no Kangxi


def test_pdf_text_is_the_drafts() -> None:
    """Every narrative paragraph and every printed cell is in the extracted text (wrapped lines
    and cells joined), amounts with thousands separators, codes split over 类 款 项."""
    seed = 5
    draft = build_draft(seed)
    lines = _lines(seed, "pdf")
    joined = "".join(ln.strip() for ln in lines if not re.fullmatch(r"(- )?\d+( -)?", ln))
    for para in draft.narrative.paras:
        if para.kind not in ("tables", "score_table"):
            assert para.text in joined
    grids = [g for t in draft.tables for g in table_grids(t, draft.accounts)]
    for g in [*grids, score_grid(draft.accounts, draft.performance)]:
        for row in g.rows:
            for cell in row:
                if cell is not None and cell_text(cell.value):
                    assert cell_text(cell.value) in joined, (g.key, cell)
    # lone characters are extracted too (类 | 款 | 项 header cells)
    assert sum(1 for ln in lines if ln.split() == ["类", "款", "项"]) >= 3
    main = next(lf for lf in draft.accounts.leaves if lf.name == "行政运行")
    code = f"{main.code[:3]} {main.code[3:5]} {main.code[5:]} 行政运行"
    assert any(ln.startswith(code) for ln in lines)
    assert any(re.search(r"\d,\d{3}\.\d\d", ln) for ln in lines) or draft.accounts.grand_total < 100_000


# --------------------------------------------------------------------------- DOCX


@pytest.mark.parametrize("seed", SEEDS)
def test_docx_tables_and_merges(seed: int) -> None:
    f = _file(seed, "docx")
    draft = build_draft(seed)
    d = docx.Document(io.BytesIO(f.data))
    # one Word table per public table, plus the 三公 counts table and the score table
    assert len(d.tables) == len(draft.tables) + 2
    xml = d.element.xml
    assert "<w:gridSpan " in xml and '<w:vMerge w:val="restart"/>' in xml
    first = d.tables[0]
    assert first.cell(0, 0).text == "收入" and first.cell(0, 0)._tc is first.cell(0, 1)._tc  # merged
    paragraphs = [p.text for p in d.paragraphs]
    for t in draft.tables:
        assert t.title in paragraphs
    assert "单位：万元" in paragraphs and f.department in paragraphs
    assert len(d.sections) >= len(draft.tables)  # a section (page break) per table
    amounts = {c.text for table in d.tables[:3] for row in table.rows for c in row.cells}
    assert "0.00" not in amounts and "" in amounts  # zero amounts are empty cells


# --------------------------------------------------------------------------- XLSX


@pytest.mark.parametrize("seed", SEEDS)
def test_xlsx_sheets_and_cells(seed: int) -> None:
    f = _file(seed, "xlsx")
    draft = build_draft(seed)
    a = draft.accounts
    wb = openpyxl.load_workbook(io.BytesIO(f.data))
    sheets = ["决算说明", *(f"{t.number:02d}{t.title}"[:31] for t in draft.tables), "项目支出绩效自评表"]
    assert wb.sheetnames == sheets and all(len(s) <= 31 for s in sheets)
    narrative = [c.value for c in wb["决算说明"]["A"]]
    assert f"{a.dept.name}{a.year}年度部门决算" in narrative
    assert all(p.text in narrative for p in draft.narrative.paras if p.kind not in ("tables", "score_table"))
    ws = wb["01收入支出决算总表"]
    assert ws["A1"].value == "收入支出决算总表" and "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].border.left.style is None and ws["D2"].value == "单位：万元"
    assert ws["A3"].value == "收入" and ws["A3"].border.left.style == "thin"
    total = next(row for row in ws.iter_rows(min_row=3) if row[0].value == "本年收入合计")
    assert round(total[1].value * 100) == a.income and total[1].number_format == "#,##0.00"
    assert (
        next(row for row in ws.iter_rows() if row[0].value == "二、政府性基金预算财政拨款收入")[1].value
        is None
    )
    t10 = wb[sheets[-2]]
    vehicles = next(row for row in t10.iter_rows() if str(row[0].value).startswith("一、车辆数合计"))
    assert vehicles[2].value == a.assets.vehicle_total and vehicles[2].number_format == "0"


# --------------------------------------------------------------------------- defects


@pytest.mark.parametrize("fmt", FILE_FORMATS)
@pytest.mark.parametrize("group", range(len(DEFECT_GROUPS)))
def test_defects_change_the_file_where_their_hint_is(fmt: str, group: int) -> None:
    names = tuple(DEFECT_GROUPS[group])
    f = _file(DEFECT_SEED, fmt, names)
    assert [d.kind for d in f.defects] == list(names)
    changed = changed_lines(_lines(DEFECT_SEED, fmt), _lines(DEFECT_SEED, fmt, names))
    assert changed and len(changed) <= 3 * len(names)
    for d in f.defects:
        assert d.code == DEFECT_CODES[d.kind] and d.hint
        pattern = hint_pattern(d.hint)
        if d.kind == "score_total_wrong":  # the stated 总分 is kept; an indicator's 得分 moved
            assert any(pattern.search(ln) for ln in _lines(DEFECT_SEED, fmt, names))
            assert any(ln.startswith("指标") or "指标" in ln for ln in changed)
        else:
            assert any(pattern.search(ln) for ln in changed), (d.kind, d.hint, changed)


def _family_kinds(files_only: bool = False) -> list[str]:
    from corpus.defects import FAMILY_KINDS

    return [k.name for k in FAMILY_KINDS if k.files or not files_only]


@pytest.mark.parametrize("fmt", FILE_FORMATS)
# kinds with files=False (their rule reads a score table's text lines, which a file's grid table
# does not give) are injected and checked in the text styles only
@pytest.mark.parametrize("name", _family_kinds(files_only=True))
def test_family_defects_change_the_file_where_their_hint_is(fmt: str, name: str) -> None:
    """Each kind of corpus/defects_<family>.py, on the first seed it applies to, is printed in the
    file where its hint says, and changes a few lines only."""
    seed = next((s for s in range(12) if _file(s, fmt, (name,)).defects), None)
    assert seed is not None, f"{name} applies to none of seeds 0–11"
    (d,) = _file(seed, fmt, (name,)).defects
    assert d.kind == name and d.code == DEFECT_CODES[name] and d.hint
    clean, bad = _lines(seed, fmt), _lines(seed, fmt, (name,))
    added, removed = changed_lines(clean, bad), changed_lines(bad, clean)  # some kinds only remove text
    assert (added or removed) and len(added) <= 8
    flat = re.sub(r"\s+", "", "".join(bad))  # a hint in a table cell may wrap over lines
    assert any(hint_pattern(d.hint).search(ln) for ln in bad) or re.sub(r"\s+", "", d.hint) in flat, (
        name,
        d.hint,
    )


def test_every_pdf_style_defect_applies_to_files() -> None:
    names = DEFECT_GROUPS[0] + DEFECT_GROUPS[1] + _family_kinds()
    assert len(names) == len(set(names)) and set(names) == set(DEFECT_CODES)
    # a kind with files=False is checked on the text styles only: its rule reads the score table's
    # text lines, and a file's table is read from its grid
    text_only = {k for k in _family_kinds() if k not in _family_kinds(files_only=True)}
    for fmt in FILE_FORMATS:
        assert supported_file_defects(fmt) == [d for d in supported("pdf") if d not in text_only]
        assert not {d.kind for d in generate_file(DEFECT_SEED, fmt, sorted(text_only)).defects}


def test_table_defect_changes_the_rendered_cell() -> None:
    """T101 raises the main 款 row's 合计 of 支出决算表: the row printed in the workbook changes."""
    wb_clean = openpyxl.load_workbook(io.BytesIO(_file(DEFECT_SEED, "xlsx").data))
    wb_bad = openpyxl.load_workbook(io.BytesIO(_file(DEFECT_SEED, "xlsx", tuple(DEFECT_GROUPS[0])).data))
    code = next(
        d.hint for d in _file(DEFECT_SEED, "xlsx", tuple(DEFECT_GROUPS[0])).defects if d.code == "T101"
    )
    sheet = f"{build_draft(DEFECT_SEED).table('t03').number:02d}支出决算表"

    def row(wb: openpyxl.Workbook) -> list[object]:
        return next([c.value for c in r] for r in wb[sheet].iter_rows() if f"{r[0].value}{r[1].value}" == code
                    and r[2].value is None)  # fmt: skip

    clean, bad = row(wb_clean), row(wb_bad)
    assert clean[:4] == bad[:4] and clean[4] < bad[4] and clean[5] < bad[5] and clean[6:] == bad[6:]


# --------------------------------------------------------------------------- API, determinism, CLI


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_same_seed_same_file(fmt: str) -> None:
    a = generate_file(3, fmt, ["unit_wrong"])
    b = _file(3, fmt, ("unit_wrong",))
    assert a.data == b.data and [d.as_dict() for d in a.defects] == [d.as_dict() for d in b.defects]
    assert _lines(3, fmt) != _lines(4, fmt)


def test_generated_file_metadata() -> None:
    f = _file(7, "docx")
    assert (f.name, f.fmt, f.filename) == ("gen_0007_docx", "docx", "gen_0007_docx.docx")
    assert f.accounts is not None and f.department == f.accounts.dept.name and f.year == f.accounts.year
    assert f.defects == []
    assert _file(7, "pdf").data.startswith(b"%PDF-") and _file(7, "xlsx").data.startswith(b"PK")
    with pytest.raises(ValueError):
        generate_file(1, "odt", [])
    with pytest.raises(ValueError):
        generate_file(1, "pdf", ["no_such_defect"])


def test_cli_writes_files_and_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--count", "4", "--seed", "3", "--formats", "pdf,docx,xlsx"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("wrote 4 documents") and "\n" not in out
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [e["format"] for e in manifest] == ["pdf", "docx", "xlsx", "pdf"]
    for entry in manifest:
        data = (tmp_path / entry["file"]).read_bytes()
        assert entry["file"] == f"{entry['name']}.{entry['format']}"
        lines = LINES[entry["format"]](data)
        for d in entry["defects"]:
            assert set(d) == {"code", "kind", "description", "hint"}
            assert any(hint_pattern(d["hint"]).search(ln) for ln in lines)
    with pytest.raises(SystemExit):
        main([str(tmp_path), "--count", "1", "--formats", "pdf,odt"])
