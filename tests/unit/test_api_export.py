"""The batch zip, in process with a dict for storage: summary files at the top, a folder per
document named after its department (or file name) with unique names, UTF-8 names, deflated; a
batch above the size limit is refused with 413."""

from __future__ import annotations

import zipfile

import pytest
from fastapi import HTTPException

from services.api.routes import batches
from shared.messages import DocOutcome, DocState
from shared.settings import get_settings

B = "b_" + "a" * 16


class DictStorage:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def get_bytes(self, key: str) -> bytes:
        return self.objects[key]


def _outcome(i: int, filename: str, department: str | None, fmts: tuple[str, ...]) -> DocOutcome:
    doc = f"d_{i:020d}"
    return DocOutcome(
        batch_id=B,
        doc_id=doc,
        filename=filename,
        raw_key="",
        department=department,
        state=DocState.DONE,
        report_keys={f: f"reports/{B}/{doc}.{f}" for f in fmts},
    )


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[DocOutcome]:
    docs = [
        _outcome(1, "a.pdf", "财政局", ("json", "html", "xlsx", "annotated")),
        _outcome(2, "b.pdf", "财政局", ("json", "html")),  # same department: another folder
        _outcome(3, "某局 决算.docx", None, ("json", "html", "csv")),
    ]
    objects = {key: f"<{key}>".encode() * 100 for o in docs for key in o.report_keys.values()}
    monkeypatch.setattr(batches, "get_storage", lambda: DictStorage(objects))
    monkeypatch.setattr(batches, "load_outcomes", lambda batch_id: docs)
    monkeypatch.setattr(batches, "tabular_summary", lambda batch_id, fmt: f"summary {fmt}".encode())
    return docs


def test_zip_layout(outcomes: list[DocOutcome]):
    with batches.build_export(B) as spool, zipfile.ZipFile(spool) as z:
        names = z.namelist()
        assert names[:4] == ["批次汇总.json", "批次汇总.html", "批次汇总.xlsx", "批次汇总.csv"]
        assert sorted(names[4:]) == sorted(
            [
                "财政局/审查报告.json",
                "财政局/审查报告.html",
                "财政局/审查报告.xlsx",
                "财政局/标注版.pdf",
                "财政局（2）/审查报告.json",
                "财政局（2）/审查报告.html",
                "某局 决算/审查报告.json",
                "某局 决算/审查报告.html",
                "某局 决算/审查报告.csv",
            ]
        )
        assert all(i.flag_bits & 0x800 and i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        key = outcomes[0].report_keys["annotated"]
        assert z.read("财政局/标注版.pdf") == f"<{key}>".encode() * 100


def test_zip_above_the_limit_is_413(outcomes: list[DocOutcome], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(get_settings(), "max_export_bytes", 2000)
    with pytest.raises(HTTPException) as err:
        batches.build_export(B)
    assert err.value.status_code == 413 and "导出内容过大" in str(err.value.detail)
