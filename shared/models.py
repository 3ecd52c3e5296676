"""The parsed document and the findings: the model every stage after extraction shares
(parse → validate → report).

Inspired by docling-core's DoclingDocument: each value carries its provenance (:class:`Prov`:
page, box, line) so a finding can always point at its source. Money is ``Decimal``; a table cell
is a number, text or empty — never a label coerced to 0. The extracted document (pages, lines,
grids) is in :mod:`shared.document`; table and narrative knowledge in :mod:`shared.knowledge`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from shared.document import BBox, DocumentKind, ExtractedDocument, Line, Page, Prov
from shared.knowledge.tables import TABLE_TITLES, TableKind

__all__ = ["TABLE_TITLES", "BBox", "DocumentKind", "ExtractedDocument", "Line", "Page", "Prov", "TableKind"]

# --------------------------------------------------------------------------- parse


class Located(BaseModel):
    """Anything with a provenance: ``page`` and ``line`` read through it."""

    prov: Prov = Field(default_factory=Prov)

    @property
    def page(self) -> int | None:
        return self.prov.page

    @property
    def line(self) -> int | None:
        return self.prov.line


class SourceRef(Located):
    """A quoted passage of the original text and where it is."""

    quote: str = ""


class Cell(Located):
    """A table cell in one of three states. ``confidence`` is 1.0 unless the value was repaired
    (OCR) or its column assignment is ambiguous; ``note`` says why."""

    state: Literal["number", "text", "empty"]
    value: Decimal | None = None
    text: str | None = None
    raw: str = ""
    places: int | None = None  # decimals as displayed (in 万元: a 元 table's 0.01 is 6 places)
    confidence: float = 1.0
    note: str | None = None
    alternatives: list[Decimal] = Field(default_factory=list)  # other readings of an OCR value

    @property
    def number(self) -> Decimal | None:
        return self.value if self.state == "number" else None


class Row(Located):
    """A table row. ``code`` is a 科目编码 (功能分类 3/5/7 digits or 经济分类 3/5 digits) when the
    row has one; ``level`` is 类/款/项 for 功能分类 codes; ``side`` separates the 收入 and 支出
    halves of the two-sided summary tables; ``row_no`` is the printed 行次. ``confidence`` is how
    sure the reading of the row's place is — its code and label, and so which row and parent its
    figures belong to (1.0 unless OCR left the code unread, misread or inferred)."""

    code: str | None = None
    name: str
    level: Literal["类", "款", "项"] | None = None
    side: Literal["income", "expenditure"] | None = None
    group: str | None = None  # e.g. 人员经费 / 公用经费 in the basic-expenditure table
    row_no: int | None = None
    cells: dict[str, Cell] = Field(default_factory=dict)
    confidence: float = 1.0

    def num(self, column: str) -> Decimal | None:
        cell = self.cells.get(column)
        return cell.number if cell else None


class Table(Located):
    kind: TableKind
    title: str
    number_label: str | None = None  # 公开03表 as printed (numbering varies: match on titles)
    # prov: where the title is printed
    pages: list[int] = Field(default_factory=list)  # every page the table is printed on
    columns: list[str] = Field(default_factory=list)
    income_columns: list[str] = Field(default_factory=list)  # two-sided tables only
    rows: list[Row] = Field(default_factory=list)
    is_empty: bool = False  # no data rows with values
    has_empty_note: bool = False  # carries “当此表数据为零/为空时…” or similar
    unit: str | None = None  # 万元 or 元 as the table states it (values are always in 万元)
    from_grid: bool = False  # read from the cells of a grid (PDF, Word, Excel), not from lines of text
    parse_notes: list[str] = Field(default_factory=list)  # ambiguities the parser resolved
    # positions in ``rows`` before which a scan's row of figures was left out (its code unread):
    # a sum over a span holding one is incomplete, so no conclusion is drawn from it
    unread_rows: list[int] = Field(default_factory=list)

    def rows_by_code(self) -> dict[str, Row]:
        return {r.code: r for r in self.rows if r.code}

    def find_row(self, *names: str, side: str | None = None) -> Row | None:
        """First row whose normalised name contains any of ``names`` (and on ``side``)."""
        for r in self.rows:
            if side and r.side != side:
                continue
            key = r.name.replace(" ", "")
            if any(n in key for n in names):
                return r
        return None


class Quantity(BaseModel):
    """A number as written in the narrative, with its displayed precision."""

    value: Decimal
    raw: str
    unit: str = ""  # 万元 / 元 / % / 批 / 人次 / 辆 / 个 / 人 / 分 …
    places: int = 0  # decimal places as displayed (drives rounding tolerance)


ClaimKind = Literal[
    "amount", "change", "share", "completion", "count", "score", "grade", "sum", "list", "usage", "compare"
]


class Claim(BaseModel):
    """A statement in the narrative (决算情况说明, 绩效 annexes) a rule can check.

    ``subject`` is a canonical key (e.g. ``income_total``, ``basic_expenditure``,
    ``category:一般公共服务支出``); ``topic`` is the narrative section it was found in.
    ``values`` holds the named quantities: amount/current, change, percent, budget, actual,
    rate, part, total, count, score. ``parts`` lists the components of a sum claim.
    """

    kind: ClaimKind
    subject: str
    subject_text: str = ""
    topic: str = ""
    values: dict[str, Quantity] = Field(default_factory=dict)
    parts: list[tuple[str, Quantity]] = Field(default_factory=list)
    direction: str | None = None  # 增加/减少 word for the change amount
    rate_word: str | None = None  # 增长/下降/上升… word for the percentage
    base: str | None = None  # what a share is "占" of
    grade: str | None = None
    items: list[str] = Field(default_factory=list)  # a ``list`` claim's names (“主要包括：A、B、C”)
    detail: str | None = None  # a ``usage`` claim's text (“主要用于：…”); a completion's other budget
    source: SourceRef = Field(default_factory=SourceRef)


class ScoreItem(BaseModel):
    name: str
    weight: Decimal | None = None  # 分值
    score: Decimal | None = None  # 得分
    source: SourceRef = Field(default_factory=SourceRef)


class ScoreTable(BaseModel):
    """A 绩效自评表 / 评分表: indicators with 分值 and 得分, and the stated totals."""

    title: str
    items: list[ScoreItem] = Field(default_factory=list)
    total_weight: Decimal | None = None
    total_score: Decimal | None = None
    total_source: SourceRef | None = None
    # 资金执行情况: 全年预算数, 全年执行数, 执行率 (stated), when the table has them
    budget: Quantity | None = None
    executed: Quantity | None = None
    execution_rate: Quantity | None = None
    execution_source: SourceRef | None = None
    source: SourceRef = Field(default_factory=SourceRef)


class Section(Located):
    title: str
    level: int  # 1 = 第X部分, 2 = 一、…, 3 = （一）…


class ParsedDocument(BaseModel):
    source_name: str
    sha256: str
    kind: DocumentKind
    department: str | None = None
    year: int | None = None
    unit: str = "万元"
    sections: list[Section] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    tables_listed: list[TableKind] = Field(default_factory=list)  # the tables the 目录 lists
    claims: list[Claim] = Field(default_factory=list)
    score_tables: list[ScoreTable] = Field(default_factory=list)
    years_mentioned: list[tuple[int, SourceRef]] = Field(default_factory=list)
    page_labels: dict[int, str] = Field(default_factory=dict)  # printed page numbers that differ
    page_count: int = 0
    passages: list[SourceRef] = Field(default_factory=list)  # every line of text outside the table cells
    parse_notes: list[str] = Field(default_factory=list)

    def table(self, kind: TableKind) -> Table | None:
        return next((t for t in self.tables if t.kind == kind), None)


# --------------------------------------------------------------------------- validate


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ZH = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}


class Category(StrEnum):
    COMPLETENESS = "completeness"
    TABLE_SUM = "table_sum"
    CROSS_TABLE = "cross_table"
    NARRATIVE_TABLE = "narrative_table"
    NARRATIVE_ARITHMETIC = "narrative_arithmetic"
    UNITS_YEARS = "units_years"
    PERFORMANCE = "performance"
    WORDING = "wording"


CATEGORY_ZH = {
    Category.COMPLETENESS: "完整性",
    Category.TABLE_SUM: "表内勾稽",
    Category.CROSS_TABLE: "表间勾稽",
    Category.NARRATIVE_TABLE: "说明与报表一致性",
    Category.NARRATIVE_ARITHMETIC: "说明内部计算",
    Category.UNITS_YEARS: "单位与年度",
    Category.PERFORMANCE: "绩效评分",
    Category.WORDING: "文字规范",
}


class Evidence(Located):
    quote: str
    table: str | None = None  # table title
    row: str | None = None  # row label (code + name)
    column: str | None = None


class Finding(BaseModel):
    code: str
    category: Category
    severity: Severity
    title: str  # Chinese, from the rule
    message: str  # Chinese, specific to this finding
    evidence: list[Evidence] = Field(default_factory=list)
    stated: list[str] = Field(default_factory=list)  # stated value(s) as written
    expected: str | None = None
    derivation: str = ""  # how the expected value was derived (Chinese)
    confidence: float = 1.0
    downgraded: bool = False
    note: str | None = None  # e.g. why downgraded
    # which side is likely wrong, when the document shows it (Chinese), e.g. “两张报表一致，说明中的
    # 数字可能有误”; “无法判断哪一处有误” when it cannot tell; None when there is only one side
    suspect: str | None = None


class RuleStatus(StrEnum):
    RAN = "ran"
    NOT_RUN = "not_run"  # its inputs are missing or unsure
    FAILED = "failed"  # the rule raised: a bug, logged; the other rules still ran


class RuleCoverage(BaseModel):
    code: str
    title: str
    status: RuleStatus
    checks: int = 0  # comparisons actually made
    skipped: int = 0  # comparisons that drew no conclusion: an input too unsure (a scan's misread)
    reason: str | None = None  # why it could not run, or what it left unjudged (Chinese)


class DocumentMeta(BaseModel):
    source_name: str
    sha256: str | None = None
    kind: str | None = None
    department: str | None = None
    year: int | None = None
    unit: str | None = None
    tables_found: list[str] = Field(default_factory=list)
    claims_found: int = 0
    page_count: int = 0
    page_labels: dict[int, str] = Field(
        default_factory=dict
    )  # physical page → printed number, where they differ


class DocumentReport(BaseModel):
    document: DocumentMeta
    findings: list[Finding] = Field(default_factory=list)
    coverage: list[RuleCoverage] = Field(default_factory=list)
    parse_notes: list[str] = Field(default_factory=list)
    error: str | None = None  # a clear, actionable Chinese message when the input is unusable

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out
