"""Tests for services.cli. The pipeline is monkeypatched with hand-made reports, except for one
test that runs the real pipeline on an empty file."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import services.pipeline
from services import cli
from services.validate import catalogue
from shared.models import (
    Category,
    DocumentMeta,
    DocumentReport,
    Finding,
    ParsedDocument,
    RuleCoverage,
    RuleStatus,
    Severity,
)


def fake_report(path: Path) -> DocumentReport:
    return DocumentReport(
        document=DocumentMeta(source_name=path.name, sha256="f" * 64, department="测试局", year=2023),
        findings=[
            Finding(
                code="B101",
                category=Category.TABLE_SUM,
                severity=Severity.ERROR,
                title="合计不符",
                message=f"{path.name} 的合计行不符",
            ),
            Finding(
                code="F001",
                category=Category.UNITS_YEARS,
                severity=Severity.INFO,
                title="年度",
                message="提及上年",
            ),
        ],
        coverage=[RuleCoverage(code="B101", title="合计不符", status=RuleStatus.RAN, checks=3)],
    )


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []

    def check_file(path: Path) -> tuple[DocumentReport, ParsedDocument | None]:
        calls.append(path)
        return fake_report(path), None

    monkeypatch.setattr(services.pipeline, "check_file", check_file)
    return calls


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_check_folder_writes_reports(
    tmp_path: Path, fake_pipeline: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in"
    write(src / "001_甲局.txt")
    write(src / "002_乙局.txt")
    out = tmp_path / "out"

    assert cli.main(["check", str(src), "--out", str(out), "--fail-on", "never"]) == 0

    assert sorted(p.name for p in out.iterdir()) == [
        "001_甲局.html",
        "001_甲局.json",
        "002_乙局.html",
        "002_乙局.json",
        "index.html",
    ]
    report = DocumentReport.model_validate_json((out / "001_甲局.json").read_text("utf-8"))
    assert report.document.source_name == "001_甲局.txt"
    assert report.findings[0].message == "001_甲局.txt 的合计行不符"
    assert "001_甲局.txt 的合计行不符" in (out / "001_甲局.html").read_text("utf-8")
    index = (out / "index.html").read_text("utf-8")
    assert "001_甲局.txt" in index and "002_乙局.txt" in index

    captured = capsys.readouterr()
    assert "已检查 2 个文件" in captured.out
    assert "错误 2 条" in captured.out and "提示 2 条" in captured.out
    assert str((out / "index.html").resolve()) in captured.out
    # stderr is not a TTY under pytest: one progress line per document, with the times
    lines = captured.err.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"\[#####-----\] 1/2 已用 \d+:\d\d 剩余 \d+:\d\d 001_甲局\.txt", lines[0])
    assert re.fullmatch(r"\[##########\] 2/2 已用 \d+:\d\d 002_乙局\.txt", lines[1])
    assert "\r" not in captured.err


def test_check_walks_recursively_and_skips(tmp_path: Path, fake_pipeline: list[Path]) -> None:
    src = tmp_path / "in"
    write(src / "b.txt")
    write(src / "a" / "z.pdf")
    write(src / ".hidden.txt")
    write(src / ".git" / "config")
    write(src / "manifest.json", "{}")
    out = src / "reports"  # output folder inside the input folder
    write(out / "old.json", "{}")

    assert cli.main(["check", str(src), "--out", str(out)]) == cli.EXIT_FINDINGS
    assert [p.relative_to(src).as_posix() for p in fake_pipeline] == ["a/z.pdf", "b.txt"]


def test_check_disambiguates_stems(tmp_path: Path, fake_pipeline: list[Path]) -> None:
    write(tmp_path / "x" / "doc.txt")
    write(tmp_path / "y" / "doc.txt")
    write(tmp_path / "y" / "doc.pdf")
    write(tmp_path / "index.txt")
    out = tmp_path / "out"
    args = ["check", str(tmp_path / "x"), str(tmp_path / "y"), str(tmp_path / "index.txt"), "--out", str(out)]
    assert cli.main(args) == cli.EXIT_FINDINGS
    names = {p.name for p in out.iterdir()}
    assert {"doc.json", "doc-2.json", "doc-3.json", "index-2.json", "index.html"} <= names
    index = (out / "index.html").read_text("utf-8")
    assert 'href="doc-3.html"' in index and 'href="index-2.json"' in index


def test_check_same_file_twice_checked_once(tmp_path: Path, fake_pipeline: list[Path]) -> None:
    f = write(tmp_path / "in" / "a.txt")
    assert (
        cli.main(["check", str(f), str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == cli.EXIT_FINDINGS
    )
    assert len(fake_pipeline) == 1


def test_check_internal_error_does_not_stop_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def check_file(path: Path) -> tuple[DocumentReport, ParsedDocument | None]:
        if path.name == "bad.txt":
            raise RuntimeError("boom")
        return fake_report(path), None

    monkeypatch.setattr(services.pipeline, "check_file", check_file)
    src = tmp_path / "in"
    write(src / "bad.txt")
    write(src / "good.txt")
    out = tmp_path / "out"

    assert cli.main(["check", str(src), "--out", str(out)]) == cli.EXIT_INCOMPLETE
    bad = DocumentReport.model_validate_json((out / "bad.json").read_text("utf-8"))
    assert bad.error is not None
    assert bad.error.startswith("内部错误：") and "boom" in bad.error and "反馈给开发者" in bad.error
    assert bad.document.source_name == "bad.txt"
    good = DocumentReport.model_validate_json((out / "good.json").read_text("utf-8"))
    assert good.error is None and good.findings
    assert 'class="box error"' in (out / "bad.html").read_text("utf-8")
    captured = capsys.readouterr()
    assert "1 个文件无法检查" in captured.out and "bad.txt" in captured.out


def test_check_real_pipeline_empty_file(tmp_path: Path) -> None:
    pytest.importorskip("services.ingest.text")
    src = tmp_path / "in"
    write(src / "a_empty.txt", "")
    write(src / "b_other.txt", "这不是决算文件。\n")
    out = tmp_path / "out"

    assert cli.main(["check", str(src), "--out", str(out)]) == cli.EXIT_INCOMPLETE
    empty = DocumentReport.model_validate_json((out / "a_empty.json").read_text("utf-8"))
    assert empty.error and "空文件" in empty.error
    other = json.loads((out / "b_other.json").read_text("utf-8"))
    assert other["document"]["source_name"] == "b_other.txt"
    assert (out / "b_other.html").exists() and (out / "index.html").exists()


def test_check_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
    assert "路径不存在" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_check_nothing_to_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    assert cli.main(["check", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 2
    assert "没有找到要检查的文件" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["check"], ["frobnicate"], ["check", "x", "--bogus"]])
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("juesuan ")


def test_truncate_to_width_cjk() -> None:
    assert cli.display_width("决算ab") == 6
    out = cli.truncate_to_width("决算审查报告", 7)
    assert cli.display_width(out) <= 7 and out.endswith("…")


def dummy_rule(code: str) -> catalogue.Rule:
    return catalogue.Rule(
        code=code,
        name="dummy_rule",
        category=Category.PERFORMANCE,
        severity=Severity.WARNING,
        title="测试规则",
        what="检查测试内容是否一致。",
        why="因为测试需要。",
        example="得分合计 95 分，但各项之和为 90 分。",
        check=lambda rule, doc, ctx: [],
    )


def test_rules_lists_catalogue(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(catalogue, "all_rules", lambda: [dummy_rule("Z998"), dummy_rule("Z999")])
    assert cli.main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "Z998" in out and "Z999" in out
    assert "[警告] [绩效评分] 测试规则" in out
    assert "检查内容：检查测试内容是否一致。" in out
    assert "为何重要：因为测试需要。" in out
    assert "错误示例：得分合计 95 分" in out

    assert cli.main(["rules", "--code", "z999"]) == 0
    out = capsys.readouterr().out
    assert "Z999" in out and "Z998" not in out

    assert cli.main(["rules", "--code", "Q000"]) == 2
    assert "Q000" in capsys.readouterr().err


def test_rules_with_registered_rule(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue.all_rules()  # import the real rules first, so they register in the real registry
    monkeypatch.setattr(catalogue, "_REGISTRY", dict(catalogue._REGISTRY))

    @catalogue.rule(
        "Z999",
        "dummy_registered",
        Category.COMPLETENESS,
        Severity.INFO,
        "注册的测试规则",
        "检查内容",
        "原因",
        "示例",
    )
    def _check(rule: catalogue.Rule, doc: ParsedDocument, ctx: catalogue.CheckContext) -> list[Finding]:
        return []

    assert cli.main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "Z999  [提示] [完整性] 注册的测试规则" in out


# --------------------------------------------------------------------------- exit codes


def report_with(path: Path, *severities: Severity, error: str | None = None) -> DocumentReport:
    return DocumentReport(
        document=DocumentMeta(source_name=path.name),
        findings=[
            Finding(code="B101", category=Category.TABLE_SUM, severity=s, title="t", message=f"m{i}")
            for i, s in enumerate(severities)
        ],
        error=error,
    )


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> dict[str, DocumentReport]:
    """File name → the report the fake pipeline returns for it."""
    plan: dict[str, DocumentReport] = {}

    def check_file(path: Path) -> tuple[DocumentReport, ParsedDocument | None]:
        return plan[path.name], None

    monkeypatch.setattr(services.pipeline, "check_file", check_file)
    return plan


@pytest.mark.parametrize(
    ("severities", "fail_on", "code"),
    [
        ((), "error", 0),
        ((Severity.INFO,), "warning", 0),
        ((Severity.WARNING, Severity.INFO), "error", 0),
        ((Severity.WARNING,), "warning", 1),
        ((Severity.ERROR,), "error", 1),
        ((Severity.ERROR,), "warning", 1),
        ((Severity.ERROR, Severity.WARNING), "never", 0),
    ],
)
def test_exit_code_follows_fail_on(
    tmp_path: Path,
    planned: dict[str, DocumentReport],
    severities: tuple[Severity, ...],
    fail_on: str,
    code: int,
) -> None:
    f = write(tmp_path / "in" / "a.txt")
    planned["a.txt"] = report_with(f, *severities)
    assert cli.main(["check", str(f), "--out", str(tmp_path / "out"), "--fail-on", fail_on]) == code


def test_default_fail_on_is_error(tmp_path: Path, planned: dict[str, DocumentReport]) -> None:
    f = write(tmp_path / "a.txt")
    planned["a.txt"] = report_with(f, Severity.WARNING)
    assert cli.main(["check", str(f), "--out", str(tmp_path / "out")]) == 0
    planned["a.txt"] = report_with(f, Severity.ERROR)
    assert cli.main(["check", str(f), "--out", str(tmp_path / "out")]) == 1


def test_unchecked_file_takes_precedence_over_findings(
    tmp_path: Path, planned: dict[str, DocumentReport]
) -> None:
    a, b = write(tmp_path / "in" / "a.txt"), write(tmp_path / "in" / "b.txt")
    planned["a.txt"] = report_with(a, Severity.ERROR)
    planned["b.txt"] = report_with(b, error="空文件：文件没有内容，请检查上传的文件。")
    out = str(tmp_path / "out")
    assert cli.main(["check", str(tmp_path / "in"), "--out", out]) == 3
    assert cli.main(["check", str(tmp_path / "in"), "--out", out, "--fail-on", "warning"]) == 3
    assert cli.main(["check", str(tmp_path / "in"), "--out", out, "--fail-on", "never"]) == 0


def test_exit_code_unusable_even_with_never(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", str(tmp_path / "nope"), "--out", str(tmp_path / "out"), "--fail-on", "never"]
    assert cli.main(args) == 2


def test_output_folder_not_writable(
    tmp_path: Path, fake_pipeline: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    f = write(tmp_path / "a.txt")
    blocker = write(tmp_path / "file-not-folder")
    assert cli.main(["check", str(f), "--out", str(blocker / "out")]) == 2
    assert "无法创建输出目录" in capsys.readouterr().err


def test_fail_on_rejects_unknown_level(tmp_path: Path) -> None:
    assert cli.main(["check", str(tmp_path), "--fail-on", "sometimes"]) == 2


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "退出码" in out and "--fail-on" in out and "annotated" in out
    assert re.search(r"^\s+3\s+有文件无法检查", out, re.MULTILINE)
    assert cli.__doc__ and "Exit codes" in cli.__doc__


def test_real_pipeline_clean_document_and_seed_with_errors(tmp_path: Path) -> None:
    generator = pytest.importorskip("corpus.generator")
    seeds = sorted(Path("/work/shared/seeds").glob("*.txt"))
    clean = tmp_path / "clean" / "gen_clean.txt"
    clean.parent.mkdir()
    clean.write_bytes(generator.generate_document(600, "pdf", []).data)
    out = str(tmp_path / "out")

    assert cli.main(["check", str(clean), "--out", out, "--fail-on", "warning"]) == 0
    if not seeds:
        pytest.skip("no seeds in /work/shared/seeds")
    seed = seeds[0]
    report, _ = services.pipeline.check_file(seed)
    assert report.counts()["error"] > 0  # the seed is known to have errors
    assert cli.main(["check", str(seed), "--out", out]) == 1
    assert cli.main(["check", str(seed), str(clean), "--out", out, "--fail-on", "never"]) == 0


# --------------------------------------------------------------------------- formats


def test_formats_written_with_batch_workbook(
    tmp_path: Path, fake_pipeline: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("services.report.tabular")
    src = tmp_path / "in"
    write(src / "甲.txt")
    write(src / "乙.txt")
    out = tmp_path / "out"

    assert cli.main(["check", str(src), "--out", str(out), "--format", "xlsx, CSV,json"]) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "乙.csv",
            "乙.json",
            "乙.xlsx",
            "甲.csv",
            "甲.json",
            "甲.xlsx",
            "index.csv",
            "index.html",
            "index.xlsx",
        ]
    )
    for name in ("甲.xlsx", "index.xlsx"):
        with zipfile.ZipFile(out / name) as z:  # a real workbook
            assert "xl/workbook.xml" in z.namelist()
    batch_csv = (out / "index.csv").read_bytes()
    assert batch_csv.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    assert "甲.txt" in batch_csv.decode("utf-8-sig") and "乙.txt" in batch_csv.decode("utf-8-sig")
    assert "合计行不符" in (out / "甲.csv").read_bytes().decode("utf-8-sig")

    index = (out / "index.html").read_text("utf-8")
    for stem in ("%E7%94%B2", "%E4%B9%99"):  # 甲, 乙 URL-quoted
        for suffix in (".xlsx", ".csv", ".json"):
            assert f'href="{stem}{suffix}"' in index
        assert f'href="{stem}.html"' not in index  # no HTML asked, none linked
    assert 'href="index.xlsx"' in index and 'href="index.csv"' in index
    assert "批次汇总 Excel" in index
    out_text = capsys.readouterr().out
    assert "Excel 底稿" in out_text and "CSV 表格" in out_text


def test_default_formats_are_json_and_html(tmp_path: Path, fake_pipeline: list[Path]) -> None:
    f = write(tmp_path / "a.txt")
    cli.main(["check", str(f), "--out", str(tmp_path / "out")])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.html", "a.json", "index.html"]
    html = (tmp_path / "out" / "a.html").read_text("utf-8")
    assert 'href="index.html"' in html


@pytest.mark.parametrize("bad", ["docx", "json,foo", " , "])
def test_bad_format_is_usage_error(
    bad: str, tmp_path: Path, fake_pipeline: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    f = write(tmp_path / "a.txt")
    assert cli.main(["check", str(f), "--out", str(tmp_path / "out"), "--format", bad]) == 2
    err = capsys.readouterr().err
    assert "报告格式" in err and "json,html,xlsx,csv,pdf,annotated" in err
    assert not fake_pipeline and not (tmp_path / "out").exists()


def test_annotated_skips_non_pdf_originals(
    tmp_path: Path, fake_pipeline: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("services.report.annotate")
    src = tmp_path / "in"
    for name in ("a.txt", "b.docx", "c.txt"):
        write(src / name)
    out = tmp_path / "out"
    assert cli.main(["check", str(src), "--out", str(out), "--format", "json,annotated"]) == 1
    assert not list(out.glob("*.annotated.pdf"))
    text = capsys.readouterr().out
    assert text.count("已跳过 3 个文件") == 1 and "PDF 原件" in text


def test_annotated_copy_of_a_pdf(tmp_path: Path) -> None:
    pytest.importorskip("services.report.annotate")
    generator = pytest.importorskip("corpus.generator")
    pdf = tmp_path / "in" / "部门决算.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(generator.generate_file(601, "pdf", ["narrative_total_mismatch"]).data)
    write(tmp_path / "in" / "note.txt", "这不是决算文件。\n")
    out = tmp_path / "out"
    cli.main(
        ["check", str(tmp_path / "in"), "--out", str(out), "--format", "annotated", "--fail-on", "never"]
    )
    annotated = out / "部门决算.annotated.pdf"
    assert annotated.read_bytes().startswith(b"%PDF")
    assert not (out / "note.annotated.pdf").exists()
    assert 'href="%E9%83%A8%E9%97%A8%E5%86%B3%E7%AE%97.annotated.pdf"' in (out / "index.html").read_text(
        "utf-8"
    )


def test_pdf_renderer_opened_once_and_closed(
    tmp_path: Path, fake_pipeline: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf_report = pytest.importorskip("services.report.pdf_report")
    events: list[str] = []

    class FakeRenderer:
        def __enter__(self) -> FakeRenderer:  # noqa: PYI034
            events.append("open")
            return self

        def __exit__(self, *exc: object) -> None:
            events.append("close")

    def document_pdf(report: DocumentReport, renderer: object = None, **kw: object) -> bytes:
        assert isinstance(renderer, FakeRenderer)
        events.append("render")
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(pdf_report, "PdfRenderer", FakeRenderer)
    monkeypatch.setattr(pdf_report, "document_pdf", document_pdf)
    for name in ("a.txt", "b.txt", "c.txt"):
        write(tmp_path / "in" / name)
    out = tmp_path / "out"
    assert cli.main(["check", str(tmp_path / "in"), "--out", str(out), "--format", "pdf"]) == 1
    assert events == ["open", "render", "render", "render", "close"]
    assert (out / "b.pdf").read_bytes() == b"%PDF-1.7 fake"


def test_pdf_unavailable_said_once_and_fails(
    tmp_path: Path,
    fake_pipeline: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pdf_report = pytest.importorskip("services.report.pdf_report")
    calls: list[int] = []

    class Broken:
        def __init__(self, *a: object, **kw: object) -> None:
            calls.append(1)
            raise pdf_report.PdfUnavailable("未找到 PDF 引擎（测试）")

    monkeypatch.setattr(pdf_report, "PdfRenderer", Broken)
    for name in ("a.txt", "b.txt"):
        write(tmp_path / "in" / name)
    out = tmp_path / "out"
    args = ["check", str(tmp_path / "in"), "--out", str(out), "--format", "json,pdf", "--fail-on", "never"]
    assert cli.main(args) == 2
    assert len(calls) == 1
    assert capsys.readouterr().err.count("未找到 PDF 引擎（测试）") == 1
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "b.json", "index.html"]


def test_one_pdf_not_printed_is_incomplete(
    tmp_path: Path,
    fake_pipeline: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pdf_report = pytest.importorskip("services.report.pdf_report")

    class FakeRenderer:
        def __enter__(self) -> FakeRenderer:  # noqa: PYI034
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    def document_pdf(report: DocumentReport, renderer: object = None, **kw: object) -> bytes:
        if report.document.source_name == "big.txt":
            raise pdf_report.PdfRenderError("报告过大，无法生成 PDF（测试）")
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(pdf_report, "PdfRenderer", FakeRenderer)
    monkeypatch.setattr(pdf_report, "document_pdf", document_pdf)
    for name in ("big.txt", "small.txt"):
        write(tmp_path / "in" / name)
    out = tmp_path / "out"
    assert cli.main(["check", str(tmp_path / "in"), "--out", str(out), "--format", "pdf"]) == 3
    assert (out / "small.pdf").exists() and not (out / "big.pdf").exists()
    captured = capsys.readouterr()
    assert "big.txt：PDF 报告（可打印）未能生成：报告过大，无法生成 PDF（测试）" in captured.out
    assert "Traceback" not in captured.err


def browser_available() -> bool:
    if Path("/usr/bin/chromium").exists():
        return True
    if os.environ.get("JUESUAN_REQUIRE_BROWSER") == "1":
        pytest.fail("/usr/bin/chromium is required (JUESUAN_REQUIRE_BROWSER=1)")
    return False


@pytest.mark.slow
def test_real_pdf_reports(tmp_path: Path, fake_pipeline: list[Path]) -> None:
    pytest.importorskip("services.report.pdf_report")
    if not browser_available():
        pytest.skip("/usr/bin/chromium is not installed")
    for name in ("a.txt", "b.txt"):
        write(tmp_path / "in" / name)
    out = tmp_path / "out"
    assert cli.main(["check", str(tmp_path / "in"), "--out", str(out), "--format", "pdf,html"]) == 1
    for stem in ("a", "b"):
        assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert 'href="a.pdf"' in (out / "index.html").read_text("utf-8")


def test_unique_stem_avoids_file_name_clashes() -> None:
    used = {"index"}
    suffixes = [".pdf", ".annotated.pdf"]
    assert cli.unique_stem("a", used, suffixes) == "a"
    assert cli.unique_stem("a.annotated", used, suffixes) == "a.annotated-2"  # a.annotated.pdf is taken
    assert cli.unique_stem("A", used, suffixes) == "A-2"
    assert cli.unique_stem("index", used, suffixes) == "index-2"


# --------------------------------------------------------------------------- progress


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_tty_times_and_redraw_limit() -> None:
    stream, clock = TTY(), Clock()
    bar = cli.Progress(10, stream, clock=clock, columns=80)
    bar.working_on(0, "000_xxx.txt")
    assert stream.getvalue() == "\r[----------] 0/10 已用 0:00 剩余 --:-- 000_xxx.txt"
    clock.now += 20
    bar.update(2, "001.txt")  # 10 s per file: 8 files left → 1:20
    assert stream.getvalue().rstrip(" ").endswith("\r[##--------] 2/10 已用 0:20 剩余 1:20 001.txt")
    drawn = stream.getvalue()
    clock.now += 0.05
    bar.working_on(2, "002.txt")  # within 0.1 s of the last draw: not redrawn
    assert stream.getvalue() == drawn
    clock.now += 0.1
    bar.working_on(2, "002.txt")
    assert stream.getvalue().rstrip(" ").endswith("\r[##--------] 2/10 已用 0:20 剩余 1:20 002.txt")
    clock.now += 3600
    bar.update(10, "009.txt")  # the last one is always drawn; no time left shown
    assert stream.getvalue().rstrip(" ").endswith("\r[##########] 10/10 已用 1:00:20 009.txt")
    bar.finish()
    assert stream.getvalue().endswith("\n")


def test_progress_tty_truncates_name_by_display_width() -> None:
    stream = TTY()
    bar = cli.Progress(3, stream, clock=Clock(), columns=50)
    name = "上海市普陀区规划和自然资源局2024年度部门决算.pdf"
    bar.working_on(0, name)
    line = stream.getvalue().lstrip("\r")
    assert cli.display_width(line) <= 49
    assert line.endswith("…") and line.startswith("[----------] 0/3 已用 0:00 剩余 --:-- 上海市")


def test_progress_tty_pads_over_a_longer_previous_line() -> None:
    stream, clock = TTY(), Clock()
    bar = cli.Progress(2, stream, clock=clock, columns=80, min_interval=0)
    bar.working_on(0, "a-very-long-file-name.txt")
    first = cli.display_width(stream.getvalue().lstrip("\r"))
    bar.working_on(0, "b")
    last = stream.getvalue().split("\r")[-1]
    assert cli.display_width(last) == first  # padded with blanks over the old text


def test_progress_clear_hides_until_next_update() -> None:
    stream, clock = TTY(), Clock()
    bar = cli.Progress(2, stream, clock=clock, columns=80, min_interval=0)
    bar.working_on(0, "a")
    bar.clear()
    cleared = stream.getvalue()
    assert cleared.endswith("\r")
    bar._draw(force=False)  # what the ticker does: nothing while hidden
    assert stream.getvalue() == cleared
    bar.update(1, "a")
    assert stream.getvalue().endswith("1/2 已用 0:00 剩余 0:00 a")


def test_progress_live_ticker_moves_the_time() -> None:
    stream, clock = TTY(), Clock()
    bar = cli.Progress(2, stream, clock=clock, columns=80, min_interval=0.01)
    with bar.live():
        bar.working_on(0, "slow.pdf")
        clock.now += 5
        for _ in range(200):  # the ticker redraws within a few ms
            if "已用 0:05" in stream.getvalue():
                break
            threading_sleep(0.01)
    assert "已用 0:05 剩余 --:-- slow.pdf" in stream.getvalue()


def threading_sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def test_progress_plain_lines_when_not_a_tty() -> None:
    stream, clock = io.StringIO(), Clock()
    bar = cli.Progress(2, stream, clock=clock)
    bar.working_on(0, "a.txt")
    assert stream.getvalue() == ""  # nothing until a file is done
    clock.now += 4
    bar.update(1, "a.txt")
    bar.working_on(1, "b.txt")
    clock.now += 4
    bar.update(2, "b.txt")
    bar.finish()
    assert stream.getvalue() == (
        "[#####-----] 1/2 已用 0:04 剩余 0:04 a.txt\n[##########] 2/2 已用 0:08 b.txt\n"
    )


def test_format_duration() -> None:
    assert cli.format_duration(0) == "0:00"
    assert cli.format_duration(61.9) == "1:01"
    assert cli.format_duration(3725) == "1:02:05"


# --------------------------------------------------------------------------- broken pipe


def juesuan_bin() -> Path:
    exe = Path(sys.executable).parent / "juesuan"
    if not exe.exists():
        pytest.skip("console script juesuan is not installed in this environment")
    return exe


@pytest.mark.parametrize("reader", ["head -1", "true"])
def test_rules_into_closed_pipe(reader: str) -> None:
    proc = subprocess.run(
        f"'{juesuan_bin()}' rules | {reader}; exit ${{PIPESTATUS[0]}}",
        shell=True,
        check=False,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stderr == ""
    assert proc.returncode == 0
    if reader == "head -1":
        assert re.match(r"[A-Z]\d{3}  \[", proc.stdout)


def test_check_into_closed_pipe(tmp_path: Path) -> None:
    generator = pytest.importorskip("corpus.generator")
    clean = tmp_path / "in" / "clean.txt"
    clean.parent.mkdir()
    clean.write_bytes(generator.generate_document(600, "pdf", []).data)
    proc = subprocess.run(
        f"'{juesuan_bin()}' check '{tmp_path / 'in'}' --out '{tmp_path / 'out'}' | true; exit ${{PIPESTATUS[0]}}",
        shell=True,
        check=False,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert proc.returncode == 0  # the run's own code (a clean document), not a pipe error
    assert (tmp_path / "out" / "index.html").exists()


# --------------------------------------------------------------------------- zips


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_zip_of_documents_is_unpacked_as_an_upload_is(tmp_path: Path) -> None:
    """Each file of the zip gets its report (``<zip>-<file>``), a nested zip or an unsafe path its
    reason, as the service's upload answers them."""
    generator = pytest.importorskip("corpus.generator")
    clean = generator.generate_document(600, "pdf", []).data
    src = tmp_path / "in"
    src.mkdir()
    (src / "all.zip").write_bytes(
        _zip({"财政局/clean.txt": clean, "inner.zip": _zip({"a.txt": b"x"}), "../evil.txt": b"x"})
    )
    out = tmp_path / "out"
    assert cli.main(["check", str(src), "--out", str(out), "--format", "json"]) == cli.EXIT_INCOMPLETE
    reports = {p.stem: DocumentReport.model_validate_json(p.read_text("utf-8")) for p in out.glob("*.json")}
    assert set(reports) == {"all-clean", "all-inner", "all-evil"}
    assert reports["all-clean"].error is None
    assert reports["all-clean"].document.source_name == "all.zip/财政局/clean.txt"
    assert reports["all-inner"].error == "压缩包内嵌套压缩包：请解压后检查其中的文件。"
    assert "不安全" in (reports["all-evil"].error or "")


def test_a_zip_of_page_images_is_one_document(tmp_path: Path, fake_pipeline: list[Path]) -> None:
    from PIL import Image

    page = io.BytesIO()
    Image.new("L", (20, 28), 255).save(page, "PNG")
    src = tmp_path / "in"
    src.mkdir()
    (src / "scan.zip").write_bytes(_zip({"1.png": page.getvalue(), "2.png": page.getvalue()}))
    (src / "book.docx").write_bytes(_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}))
    out = tmp_path / "out"
    cli.main(["check", str(src), "--out", str(out), "--format", "json"])
    assert sorted(p.name for p in fake_pipeline) == ["book.docx", "scan.zip"]  # each read whole
    assert sorted(p.stem for p in out.glob("*.json")) == ["book", "scan"]


def test_a_broken_zip_is_one_report_saying_why(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "bad.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    out = tmp_path / "out"
    assert cli.main(["check", str(src), "--out", str(out), "--format", "json"]) == cli.EXIT_INCOMPLETE
    report = DocumentReport.model_validate_json((out / "bad.json").read_text("utf-8"))
    assert report.error == "压缩包已损坏或不是有效的 ZIP 文件：请重新压缩后上传。"
