"""Legacy .doc/.xls conversion: clear messages without LibreOffice, failures and timeouts turned
into BadInputError, and (where LibreOffice is installed) a real round trip."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from services.ingest import legacy
from services.ingest.legacy import convert_legacy, legacy_available
from shared.errors import BadInputError


def _fake_soffice(directory: Path, script: str) -> None:
    path = directory / "soffice"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)


def test_without_libreoffice_the_message_says_to_save_as_docx(monkeypatch):
    monkeypatch.setattr(legacy.shutil, "which", lambda name: None)
    assert legacy_available() is False
    with pytest.raises(BadInputError) as exc:
        convert_legacy(b"\xd0\xcf\x11\xe0" * 100, "docx")
    message = exc.value.user_message
    assert "Word 97-2003" in message and "另存为" in message and ".docx" in message
    assert "LibreOffice" in message and "libreoffice-writer-nogui" in message


def test_without_libreoffice_the_message_says_to_save_as_xlsx(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: nothing to find
    assert legacy_available() is False
    with pytest.raises(BadInputError) as exc:
        convert_legacy(b"\xd0\xcf\x11\xe0" * 100, "xlsx")
    message = exc.value.user_message
    assert "Excel 97-2003" in message and "另存为" in message and ".xlsx" in message
    assert "libreoffice-calc-nogui" in message


def test_unknown_target_is_a_programming_error():
    with pytest.raises(ValueError):
        convert_legacy(b"x", "pdf")


def test_a_failing_conversion_is_a_bad_input(monkeypatch, tmp_path):
    _fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2; exit 1")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert legacy_available() is True
    with pytest.raises(BadInputError) as exc:
        convert_legacy(b"junk", "docx")
    assert "转换失败" in exc.value.user_message and "另存为" in exc.value.user_message
    assert "could not be loaded" in str(exc.value)


def test_a_conversion_without_output_is_a_bad_input(monkeypatch, tmp_path):
    _fake_soffice(tmp_path, "exit 0")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BadInputError) as exc:
        convert_legacy(b"junk", "xlsx")
    assert "转换失败" in exc.value.user_message and ".xlsx" in exc.value.user_message


def test_the_converter_gets_an_isolated_profile_and_the_output_is_returned(monkeypatch, tmp_path):
    log = tmp_path / "args.txt"
    # a stand-in that records its arguments and writes the expected output file
    _fake_soffice(
        tmp_path,
        f'for a in "$@"; do echo "$a"; done > {log}\n'
        'while [ "$1" != "--outdir" ]; do shift; done; printf converted > "$2/input.docx"',
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    assert convert_legacy(b"doc bytes", "docx") == b"converted"
    args = log.read_text().splitlines()
    assert args[0].startswith("-env:UserInstallation=file:///") and "--headless" in args
    assert args[args.index("--convert-to") + 1] == "docx:MS Word 2007 XML"
    assert args[-1].endswith("input.doc") and not Path(args[-1]).exists()  # the temporary folder is gone


def test_a_hanging_conversion_times_out(monkeypatch, tmp_path):
    _fake_soffice(tmp_path, "exec /bin/sleep 30")
    monkeypatch.setenv("PATH", str(tmp_path))
    start = time.monotonic()
    with pytest.raises(BadInputError) as exc:
        convert_legacy(b"junk", "docx", timeout=0.5)
    assert time.monotonic() - start < 10
    assert "转换超时" in exc.value.user_message and "0.5 秒" in exc.value.user_message


@pytest.mark.skipif(not legacy_available(), reason="LibreOffice (soffice) is not installed")
def test_real_round_trip_through_libreoffice(tmp_path):
    import docx
    import openpyxl
    from docx.shared import Cm

    from services.ingest.docx import extract_docx
    from services.ingest.xlsx import extract_xlsx

    document = docx.Document()
    document.add_paragraph("收入决算表")
    table = document.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    for row in table.rows:
        for cell in row.cells:
            cell.width = Cm(4)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "本年收入合计"
    table.cell(1, 0).text = "行政运行"
    table.cell(1, 1).text = "1,511.90"
    document.add_paragraph("注：本表反映部门收入情况。")  # Word always ends a body with a paragraph
    document.save(tmp_path / "a.docx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "项目"
    ws["B1"] = "金额"
    ws["A2"] = "合计"
    ws["B2"] = 2946.25
    ws["B2"].number_format = "#,##0.00"
    wb.save(tmp_path / "b.xlsx")
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    for source, fmt in (("a.docx", "doc"), ("b.xlsx", "xls")):  # make the legacy files with LibreOffice
        subprocess.run(
            [
                binary,
                f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                str(tmp_path),
                str(tmp_path / source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={**os.environ, "HOME": str(tmp_path)},
        )
    doc = extract_docx("a.doc", convert_legacy((tmp_path / "a.doc").read_bytes(), "docx"))
    assert [ln.text for ln in doc.lines()] == ["收入决算表", "注：本表反映部门收入情况。"]
    assert [c.text for c in doc.grids()[0].cells] == ["项目", "本年收入合计", "行政运行", "1,511.90"]
    book = extract_xlsx("b.xls", convert_legacy((tmp_path / "b.xls").read_bytes(), "xlsx"))
    assert [c.text for c in book.grids()[0].cells] == ["项目", "金额", "合计", "2,946.25"]
