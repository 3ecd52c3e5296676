"""Text ingest: encodings, normalisation that keeps quotes intact, artefacts, clear errors."""

from __future__ import annotations

import pytest

from services.ingest.text import extract_text_document
from shared.document import DocumentKind
from shared.errors import BadInputError, EmptyInputError, UndecodableInputError
from shared.normalize import normalize_for_matching

SAMPLE = (
    "第⼀部分 部⻔概况\n⼀、收⼊⽀出决算总表 2,693.88\n[bookmark: _Toc123]（三）宣传培训：得6分。\n — 16 —\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_encodings_decode_to_the_same_lines(encoding):
    text = SAMPLE.replace("⼀", "一").replace("⽀", "支").replace("⼊", "入").replace("⻔", "门")
    doc = extract_text_document("x.txt", text.encode(encoding))
    assert [ln.norm for ln in doc.lines()][:3] == [
        "第一部分 部门概况",
        "一、收入支出决算总表 2,693.88",
        "（三）宣传培训：得6分。",
    ]


def test_kangxi_folded_for_matching_but_quotes_keep_original():
    doc = extract_text_document("x.txt", SAMPLE.encode())
    line = doc.lines()[1]
    assert line.norm == "一、收入支出决算总表 2,693.88"
    assert line.text.startswith("⼀、收⼊⽀出")
    assert len(line.text) == len(line.norm)


def test_full_width_punctuation_is_not_rewritten():
    assert normalize_for_matching("（一）收入，支出：１２％") == "（一）收入，支出：12%"


def test_word_bookmarks_removed_and_page_label_kept():
    doc = extract_text_document("x.txt", SAMPLE.encode())
    assert "[bookmark" not in "".join(ln.text for ln in doc.lines())
    assert any(p.label == "16" for p in doc.pages)
    assert doc.kind == DocumentKind.WORD_TEXT


def test_pages_start_at_lines_with_a_single_leading_space():
    doc = extract_text_document("x.txt", b"a\nb\n c\nd\n e")
    assert [len(p.lines) for p in doc.pages] == [2, 2, 1]
    assert doc.lines()[2].page == 2 and doc.lines()[2].line == 3


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf"[:0]])
def test_empty_input(data):
    with pytest.raises(EmptyInputError) as exc:
        extract_text_document("x.txt", data)
    assert "空文件" in exc.value.user_message


def test_random_bytes_are_rejected_with_a_clear_message():
    import random

    rng = random.Random(1)
    data = bytes(rng.randrange(256) for _ in range(4000))
    with pytest.raises(UndecodableInputError) as exc:
        extract_text_document("x.bin", data)
    assert "编码" in exc.value.user_message


def test_png_renamed_txt_is_rejected():
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    with pytest.raises(BadInputError):
        extract_text_document("scan.txt", data)


def test_pdf_gets_an_actionable_message():
    with pytest.raises(BadInputError) as exc:
        extract_text_document("a.txt", b"%PDF-1.7\n...")
    assert "PDF" in exc.value.user_message
