"""The three real Shanghai 2024 PDFs (../shared/samples/pdf): every table found by its title, every
amount in its row and column (split 科目编码, empty cells blank, two-sided summary tables, the
三公 table's three-level header, the basic-expenditure table's two column groups, tables over two
pages), and no table-arithmetic finding where the expert audit says the tables agree."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from services.ingest.core import ingest_bytes
from services.parse.document import parse_document
from services.validate.engine import validate_document
from shared.errors import BlankTemplateError
from shared.knowledge.tables import TableKind
from shared.models import ParsedDocument, Table

D = Decimal
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "pdf"
NINE = {k for k in TableKind if k != TableKind.STATE_ASSETS}
_CACHE: dict[str, ParsedDocument] = {}


def sample(part: str) -> Path:
    found = sorted(SAMPLES.glob(f"*{part}*.pdf")) if SAMPLES.is_dir() else []
    if not found:
        pytest.skip(f"sample PDF *{part}* not available at {SAMPLES}")
    return found[0]


def parsed(part: str) -> ParsedDocument:
    if part not in _CACHE:
        path = sample(part)
        _CACHE[part] = parse_document(ingest_bytes(path.name, path.read_bytes()))
    return _CACHE[part]


def nums(table: Table | None, code: str | None, *columns: str) -> tuple[Decimal | None, ...]:
    assert table is not None
    row = table.rows_by_code()[code] if code else next(r for r in table.rows if r.code is None)
    return tuple(row.num(c) for c in columns)


def test_finance_bureau_income_table_split_codes_and_blank_cells() -> None:
    t02 = parsed("财政局").table(TableKind.INCOME)
    cols = ("本年收入合计", "财政拨款收入", "其他收入", "事业收入")
    assert nums(t02, "2010601", *cols) == (D("1511.90"), D("1511.89"), D("0.01"), None)
    assert nums(t02, None, *cols) == (D("2946.25"), D("2940.05"), D("6.20"), None)
    assert nums(t02, "2080505", "本年收入合计") == (D("160.75"),)  # name wrapped over two lines in its cell
    assert nums(t02, "2210203", "本年收入合计") == (D("258.50"),)  # on the table's second page
    assert t02 is not None and t02.pages == [8, 9]


def test_finance_bureau_expenditure_tables() -> None:
    doc = parsed("财政局")
    cols = ("本年支出合计", "基本支出", "项目支出")
    t03 = doc.table(TableKind.EXPENDITURE)
    assert nums(t03, "2010601", *cols) == (D("1511.89"), D("1503.52"), D("8.37"))
    assert nums(t03, "2010602", *cols) == (D("10.00"), None, D("10.00"))
    assert nums(t03, None, *cols) == (D("2940.05"), D("2336.91"), D("603.14"))
    t05 = doc.table(TableKind.GENERAL_BUDGET_EXPENDITURE)
    assert nums(t05, None, *cols) == (D("2940.05"), D("2336.91"), D("603.14"))  # 合计 printed last


def test_finance_bureau_summary_tables_by_side() -> None:
    doc = parsed("财政局")
    t01 = doc.table(TableKind.INCOME_EXPENDITURE_SUMMARY)
    assert t01 is not None
    by = {(r.side, r.name): r for r in t01.rows}
    assert by[("income", "八、其他收入")].num("决算数") == D("6.20")
    assert by[("expenditure", "八、社会保障和就业支出")].num("决算数") == D("326.71")
    assert by[("income", "年初结转和结余")].num("决算数") == D("49.14")  # on the next page
    assert [r.num("决算数") for r in t01.rows if r.name == "总计"] == [D("2995.39"), D("2995.39")]
    t04 = doc.table(TableKind.FISCAL_SUMMARY)
    assert t04 is not None
    spend = next(r for r in t04.rows if r.side == "expenditure" and r.name == "本年支出合计")
    assert (
        spend.num("一般公共预算财政拨款") == D("2940.05")
        and spend.cells["政府性基金预算财政拨款"].state == "empty"
    )


def test_finance_bureau_basic_table_two_column_groups() -> None:
    t06 = parsed("财政局").table(TableKind.GENERAL_BUDGET_BASIC)
    assert t06 is not None
    by = {r.code or r.name: r.cells["金额"] for r in t06.rows}
    assert by["30309"].value == D("0.31")  # 奖励金, not 个人农业生产补贴
    assert by["30310"].state == "empty"
    assert by["30213"].value == D("2.83") and by["30212"].state == "empty"  # 维修（护）费, not 因公出国
    assert by["30239"].value == D("48.49") and by["30231"].state == "empty"  # 其他交通费用, not 公务用车
    assert by["31002"].value == D("13.58")
    assert by["人员经费合计"].value == D("2152.26") and by["公用经费合计"].value == D("184.65")


def test_finance_bureau_three_public_three_level_header() -> None:
    t = parsed("财政局").table(TableKind.THREE_PUBLIC)
    assert t is not None and t.columns == ["预算数", "决算数"]
    by = {r.group: r for r in t.rows}
    assert by["total"].num("预算数") == D("0.95") and by["total"].cells["决算数"].state == "empty"
    assert by["reception"].num("预算数") == D("0.95") and by["reception"].cells["决算数"].state == "empty"
    assert by["vehicle_purchase"].cells["预算数"].state == "empty"


def test_every_table_found_in_each_pdf() -> None:
    for part in ("财政局", "规划和自然资源局", "社会工作部"):
        doc = parsed(part)
        assert {t.kind for t in doc.tables} == NINE, part
        assert doc.year == 2024 and doc.unit == "万元"


def test_social_work_department_single_code_column() -> None:
    doc = parsed("社会工作部")
    t03 = doc.table(TableKind.EXPENDITURE)
    assert nums(t03, "2013999", "本年支出合计", "基本支出", "项目支出") == (D("202.24"), None, D("202.24"))
    assert nums(t03, "2013901", "本年支出合计", "基本支出", "项目支出") == (D("51.32"), D("51.32"), None)
    t06 = doc.table(TableKind.GENERAL_BUDGET_BASIC)
    assert t06 is not None
    by = {r.code or r.name: r.cells["金额"] for r in t06.rows}
    assert by["30207"].value == D("0.00") and by["30113"].value == D("17.70")


@pytest.mark.parametrize("part", ["财政局", "社会工作部"])
def test_tables_agree_where_the_expert_audit_says_they_do(part: str) -> None:
    # the audited tables are consistent up to rounding: no table-sum or cross-table finding
    report = validate_document(parsed(part))
    assert not [f.message for f in report.findings if f.code[0] in "TX"]


def test_blank_template_gets_a_notice() -> None:
    path = sample("模板")
    with pytest.raises(BlankTemplateError) as exc:
        parse_document(ingest_bytes(path.name, path.read_bytes()))
    assert "空白模板" in exc.value.user_message
