"""The report stage's formats, in process with a dict for storage: every configured format stored
under its suffix; a format that does not apply or cannot be made is skipped with its Chinese
reason and the document is still done; json and html are required. Plus the download names."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from services.api.downloads import content_disposition, document_stem, report_filename
from services.api.routes.batches import unique_folder
from services.report import tasks
from services.report.formats import ReportFormat, render_document
from services.report.pdf_report import PdfUnavailable
from shared.messages import DocRef
from shared.models import DocumentMeta, DocumentReport
from shared.settings import get_settings


class DictStorage:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)

    def get_bytes(self, key: str) -> bytes:
        return self.objects[key][0]


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> DictStorage:
    s = DictStorage()
    monkeypatch.setattr(tasks, "storage", lambda: s)
    monkeypatch.setattr(tasks, "_pdf_renderer", lambda: None)
    return s


REF = DocRef(batch_id="b_" + "a" * 16, doc_id="d_" + "0" * 20, filename="a.txt", raw_key="raw/b/d/a.txt")
REPORT = DocumentReport(document=DocumentMeta(source_name="a.txt", department="某某局", kind="text"))


def test_formats_stored_and_unavailable_ones_explained(store: DictStorage, monkeypatch: pytest.MonkeyPatch):
    store.put_bytes(REF.raw_key, "一段文字".encode(), "text/plain")

    def render(report, fmt, **kw):
        if fmt == ReportFormat.PDF:
            raise PdfUnavailable("未安装 Chromium：无法生成 PDF 报告。")
        if fmt == ReportFormat.CSV:
            raise RuntimeError("boom")
        return render_document(report, fmt, **kw)

    monkeypatch.setattr(tasks, "render_document", render)
    keys, unavailable = tasks.render_reports(REF, REPORT, list(ReportFormat))
    assert set(keys) == {"json", "html", "xlsx"}
    assert keys["xlsx"] == f"reports/{REF.batch_id}/{REF.doc_id}.xlsx"
    assert store.objects[keys["xlsx"]][0][:2] == b"PK"
    assert unavailable["pdf"] == "未安装 Chromium：无法生成 PDF 报告。"
    assert unavailable["csv"] == tasks.RENDER_FAILED
    assert "PDF" in unavailable["annotated"]  # a text original cannot be annotated


def test_json_and_html_are_required(store: DictStorage, monkeypatch: pytest.MonkeyPatch):
    def render(report, fmt, **kw):
        if fmt == ReportFormat.HTML:
            raise RuntimeError("template broken")
        return render_document(report, fmt, **kw)

    monkeypatch.setattr(tasks, "render_document", render)
    with pytest.raises(RuntimeError):
        tasks.render_reports(REF, REPORT, [ReportFormat.JSON, ReportFormat.HTML])


def test_original_read_only_for_the_annotated_copy(store: DictStorage):
    # no raw object stored: reading it would fail, and nothing asks for it
    keys, unavailable = tasks.render_reports(REF, REPORT, [ReportFormat.JSON, ReportFormat.XLSX])
    assert set(keys) == {"json", "xlsx"} and unavailable == {}
    failed = REPORT.model_copy(update={"error": "无法读取"})
    keys, unavailable = tasks.render_reports(REF, failed, [ReportFormat.JSON, ReportFormat.ANNOTATED])
    assert set(keys) == {"json"} and "无法读取" in unavailable["annotated"]


def test_configured_formats(monkeypatch: pytest.MonkeyPatch):
    s = get_settings()
    monkeypatch.setattr(s, "report_formats", "xlsx,csv")
    assert tasks.configured_formats() == ["json", "html", "xlsx", "csv"]
    monkeypatch.setattr(s, "report_formats", "xlsx,docx")
    assert tasks.configured_formats() == ["json", "html"]


def test_download_names():
    assert (
        report_filename("上海市普陀区财政局", "x.pdf", ReportFormat.XLSX)
        == "上海市普陀区财政局-审查报告.xlsx"
    )
    assert report_filename(None, "dir/某/局 决算.docx", ReportFormat.ANNOTATED) == "局 决算-标注版.pdf"
    assert document_stem('a/b"c', "x.pdf") == "a_b_c"
    header = content_disposition("上海市普陀区财政局-审查报告.xlsx")
    assert header.startswith("attachment; filename=\"report.xlsx\"; filename*=UTF-8''")
    assert unquote(header.split("''", 1)[1]) == "上海市普陀区财政局-审查报告.xlsx"
    assert (
        content_disposition("a b.pdf", inline=True)
        == "inline; filename=\"a b.pdf\"; filename*=UTF-8''a%20b.pdf"
    )
    used: set[str] = set()
    assert [unique_folder(n, used) for n in ("财政局", "财政局", "财政局", "其他")] == [
        "财政局",
        "财政局（2）",
        "财政局（3）",
        "其他",
    ]
