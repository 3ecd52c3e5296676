"""Tests for services.cli. The pipeline is monkeypatched with hand-made reports, except for one
test that runs the real pipeline on an empty file."""

from __future__ import annotations

import io
import json
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

    assert cli.main(["check", str(src), "--out", str(out)]) == 0

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
    # stderr is not a TTY under pytest: one progress line per document
    assert "[#####-----] 1/2 001_甲局.txt" in captured.err
    assert "[##########] 2/2 002_乙局.txt" in captured.err
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

    assert cli.main(["check", str(src), "--out", str(out)]) == 0
    assert [p.relative_to(src).as_posix() for p in fake_pipeline] == ["a/z.pdf", "b.txt"]


def test_check_disambiguates_stems(tmp_path: Path, fake_pipeline: list[Path]) -> None:
    write(tmp_path / "x" / "doc.txt")
    write(tmp_path / "y" / "doc.txt")
    write(tmp_path / "y" / "doc.pdf")
    write(tmp_path / "index.txt")
    out = tmp_path / "out"
    args = ["check", str(tmp_path / "x"), str(tmp_path / "y"), str(tmp_path / "index.txt"), "--out", str(out)]
    assert cli.main(args) == 0
    names = {p.name for p in out.iterdir()}
    assert {"doc.json", "doc-2.json", "doc-3.json", "index-2.json", "index.html"} <= names
    index = (out / "index.html").read_text("utf-8")
    assert 'href="doc-3.html"' in index and 'href="index-2.json"' in index


def test_check_same_file_twice_checked_once(tmp_path: Path, fake_pipeline: list[Path]) -> None:
    f = write(tmp_path / "in" / "a.txt")
    assert cli.main(["check", str(f), str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 0
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

    assert cli.main(["check", str(src), "--out", str(out)]) == 0
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

    assert cli.main(["check", str(src), "--out", str(out)]) == 0
    empty = DocumentReport.model_validate_json((out / "a_empty.json").read_text("utf-8"))
    assert empty.error and "空文件" in empty.error
    other = json.loads((out / "b_other.json").read_text("utf-8"))
    assert other["document"]["source_name"] == "b_other.txt"
    assert (out / "b_other.html").exists() and (out / "index.html").exists()


def test_check_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 1
    assert "路径不存在" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_check_nothing_to_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    assert cli.main(["check", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 1
    assert "没有找到要检查的文件" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["check"], ["frobnicate"], ["check", "x", "--bogus"]])
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("juesuan ")


def test_progress_redraws_on_tty() -> None:
    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = TTY()
    bar = cli.Progress(10, stream)
    bar.update(3, "000_xxx.txt")
    bar.update(4, "b")
    bar.finish()
    text = stream.getvalue()
    assert text.startswith("\r[###-------] 3/10 000_xxx.txt")
    assert "\r[####------] 4/10 b" in text
    assert text.endswith("\n")


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

    assert cli.main(["rules", "--code", "Q000"]) == 1
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
