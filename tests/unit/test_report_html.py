"""Tests for services.report.html with hand-made reports (no parser or rules needed)."""

from __future__ import annotations

import json
import re

from services.report.html import (
    evidence_location,
    group_findings,
    render_document_html,
    render_index_html,
    report_json,
)
from shared.document import Prov
from shared.models import (
    Category,
    DocumentMeta,
    DocumentReport,
    Evidence,
    Finding,
    RuleCoverage,
    RuleStatus,
    Severity,
)


def make_report() -> DocumentReport:
    return DocumentReport(
        document=DocumentMeta(
            source_name="000_某某局2023年部门决算.txt",
            sha256="ab" * 32,
            kind="ocr-text",
            department="某某市财政局",
            year=2023,
            unit="万元",
            tables_found=["收入支出决算总表", "收入决算表"],
            claims_found=7,
        ),
        findings=[
            Finding(
                code="B101",
                category=Category.TABLE_SUM,
                severity=Severity.ERROR,
                title="合计行与明细之和不符",
                message="收入合计 1,234.56 万元与各项收入之和 1,230.00 万元不一致。",
                evidence=[
                    Evidence(
                        quote='收入合计 <script>alert("x")</script> & 1,234.56',
                        prov=Prov(page=3, line=42),
                        table="收入决算表",
                        row="合计",
                        column="本年收入",
                    )
                ],
                stated=["1,234.56"],
                expected="1,230.00",
                derivation="各明细行“本年收入”列相加",
            ),
            Finding(
                code="D201",
                category=Category.NARRATIVE_TABLE,
                severity=Severity.WARNING,
                title="说明金额与报表不一致",
                message="说明称基本支出 500 万元，报表为 50.0 万元。",
                evidence=[Evidence(quote="基本支出500万元", prov=Prov(page=1, line=5))],
                confidence=0.6,
                downgraded=True,
                note="OCR 识别的数值可能丢失小数点",
            ),
            Finding(
                code="F001",
                category=Category.UNITS_YEARS,
                severity=Severity.INFO,
                title="年度提及",
                message="正文提及 2022 年度。",
            ),
        ],
        coverage=[
            RuleCoverage(code="B101", title="合计行与明细之和不符", status=RuleStatus.RAN, checks=17),
            RuleCoverage(code="C301", title="表间一致", status=RuleStatus.RAN, checks=0),
            RuleCoverage(
                code="E501",
                title="绩效自评得分合计",
                status=RuleStatus.NOT_RUN,
                reason="未找到绩效自评表",
            ),
        ],
        parse_notes=["第 3 页的表格列对齐存在歧义，已按表头推断"],
    )


def error_report() -> DocumentReport:
    return DocumentReport(
        document=DocumentMeta(source_name="empty.txt", sha256="0" * 64),
        findings=[
            Finding(
                code="X1",
                category=Category.COMPLETENESS,
                severity=Severity.ERROR,
                title="不应显示",
                message="这条不应出现在错误报告中",
            )
        ],
        error="空文件：文件没有内容，请检查上传的文件。",
    )


def test_document_html_shows_meta_and_findings() -> None:
    html = render_document_html(make_report())
    assert html.startswith("<!DOCTYPE html>")
    assert "某某市财政局" in html
    assert "2023" in html
    assert "000_某某局2023年部门决算.txt" in html
    assert "abababababab" in html  # short sha
    assert "扫描件 OCR 识别文本" in html
    for msg in ("收入合计 1,234.56 万元与各项收入之和 1,230.00 万元不一致。", "正文提及 2022 年度。"):
        assert msg in html
    assert "B101" in html and "D201" in html and "F001" in html
    assert "第3页 第42行" in html
    assert "表：收入决算表" in html and "行：合计" in html and "列：本年收入" in html
    assert "陈述值" in html and "1,234.56" in html
    assert "应为" in html and "1,230.00" in html
    assert "推算方法" in html and "各明细行“本年收入”列相加" in html


def test_document_html_groups_by_severity_then_category() -> None:
    html = render_document_html(make_report())
    pos = [html.index(f'id="sev-{s}"') for s in ("error", "warning", "info")]
    assert pos == sorted(pos)
    assert "表内勾稽" in html and "说明与报表一致性" in html and "单位与年度" in html
    groups = group_findings(make_report().findings)
    assert [g.label for g in groups] == ["错误", "警告", "提示"]


def test_document_html_escapes_evidence() -> None:
    html = render_document_html(make_report())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 1,234.56" in html
    assert re.search(r"<blockquote>[^<]*&lt;script&gt;", html)


def test_document_html_confidence_and_downgrade() -> None:
    html = render_document_html(make_report())
    assert "置信度" in html and "60%" in html
    assert "已降级：OCR 识别的数值可能丢失小数点" in html
    # confidence 1.0 is not shown: only one 置信度 row (the downgraded finding)
    assert html.count("<th>置信度</th>") == 1


def test_document_html_coverage_and_parse_notes() -> None:
    html = render_document_html(make_report())
    assert "未检查：未找到绩效自评表" in html
    assert "E501" in html
    assert "“未检查”不等于“通过”" in html
    assert re.search(r"B101</code></td><td>[^<]*</td><td class=\"num\">17<", html)
    assert "0（未找到可比对的内容）" in html
    assert "解析说明" in html and "第 3 页的表格列对齐存在歧义，已按表头推断" in html


def test_document_html_error_box_hides_findings() -> None:
    html = render_document_html(error_report())
    assert 'class="box error"' in html
    assert "空文件：文件没有内容，请检查上传的文件。" in html
    assert "这条不应出现在错误报告中" not in html
    assert "检查覆盖情况" not in html


def test_document_html_no_external_assets() -> None:
    html = render_document_html(make_report(), index_href="index.html")
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<link" not in html
    assert 'href="index.html"' in html


def test_document_html_no_findings_is_not_called_pass_without_caveat() -> None:
    report = DocumentReport(
        document=DocumentMeta(source_name="a.txt"),
        coverage=[RuleCoverage(code="A1", title="t", status=RuleStatus.NOT_RUN, reason="缺少收入决算表")],
    )
    html = render_document_html(report)
    assert "未发现问题" in html
    assert "未检查：缺少收入决算表" in html


def test_evidence_location_parts() -> None:
    assert evidence_location(Evidence(quote="q")) == ""
    assert evidence_location(Evidence(quote="q", prov=Prov(page=2))) == "第2页"
    assert evidence_location(Evidence(quote="q", prov=Prov(line=9), column="决算数")) == "第9行 · 列：决算数"


def test_index_lists_all_entries_with_totals() -> None:
    ok = make_report()
    bad = error_report()
    html = render_index_html([("000_报告", ok), ("empty", bad), ("a&b #1", ok)])
    assert 'href="000_%E6%8A%A5%E5%91%8A.html"' in html
    assert 'href="empty.json"' in html
    assert 'href="a%26b%20%231.html"' in html
    assert html.count("000_某某局2023年部门决算.txt") == 2
    assert "empty.txt" in html
    assert "空文件：文件没有内容，请检查上传的文件。" in html
    assert "某某市财政局" in html
    # totals: two good reports, each with 1 error / 1 warning / 1 info; the error report not counted
    assert re.search(r"错误<b>2</b>", html)
    assert re.search(r"警告<b>2</b>", html)
    assert re.search(r"无法处理<b>1</b>", html)
    assert re.search(r"文件<b>3</b>", html)


def test_index_empty() -> None:
    assert "本次没有检查任何文件" in render_index_html([])


def test_report_json_roundtrip_keeps_chinese() -> None:
    report = make_report()
    text = report_json(report)
    assert "某某市财政局" in text
    assert "\\u" not in text
    assert DocumentReport.model_validate_json(text) == report
    assert json.loads(text)["document"]["year"] == 2023


def test_physical_page_with_printed_label_and_no_line_for_pdfs() -> None:
    ev = Evidence(quote="q", prov=Prov(page=21, line=138), table="收入决算表", row="合计", column="其他收入")
    assert (
        evidence_location(ev, {21: "18"}, with_line=False)
        == "第21页（页码18） · 表：收入决算表 · 行：合计 · 列：其他收入"
    )
    assert evidence_location(ev, {}, with_line=True).startswith("第21页 第138行")
