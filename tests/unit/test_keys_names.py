"""Object-key helpers: safe file names, display names, id validation, raw key parsing."""

from __future__ import annotations

import pytest

from shared.keys import (
    display_name,
    doc_id_for_content,
    new_batch_id,
    new_doc_id,
    parse_raw_key,
    raw_key,
    safe_name,
    valid_batch_id,
    valid_doc_id,
)


@pytest.mark.parametrize("name", [".", "..", "x/..", "", " ", ". . .", "...", "a/b/..", "\\..\\..", "_._"])
def test_names_that_are_no_names_become_document(name: str) -> None:
    assert safe_name(name) == "document"


def test_safe_name_cleans_and_keeps_the_extension() -> None:
    assert safe_name("年度决算.pdf") == "年度决算.pdf"
    assert safe_name("..\\..\\etc\\passwd") == "passwd"
    assert safe_name("a\x00b\x1f.txt") == "a_b_.txt"
    long = safe_name("年" * 2000 + ".xlsx")
    assert len(long) == 120 and long.endswith(".xlsx")
    assert len(safe_name("x" * 2000)) == 120
    assert len(safe_name("a." + "x" * 2000)) == 120  # an "extension" this long is not one


def test_display_name() -> None:
    assert display_name("a\x01b.txt") == "a_b.txt"
    shown = display_name("年" * 2000 + ".png")
    assert len(shown) == 200 and shown.endswith(".png")


def test_ids_match_what_is_generated() -> None:
    for _ in range(100):
        b = new_batch_id()
        assert (
            valid_batch_id(b)
            and valid_doc_id(new_doc_id())
            and valid_doc_id(doc_id_for_content(b, "ab" * 32))
        )
    for bad in (
        "b_x",
        "b_doesnotexist",
        new_batch_id() + ":docs",
        "..",
        "",
        "B_" + "a" * 16,
        "b_" + "a" * 15 + "-",
    ):
        assert not valid_batch_id(bad), bad
    for bad in ("d_nope", "d_" + "0" * 21, "d_" + "G" * 20, "x"):
        assert not valid_doc_id(bad), bad


def test_parse_raw_key_validates() -> None:
    b, d = new_batch_id(), new_doc_id()
    assert parse_raw_key(raw_key(b, d, "决算.pdf")) == (b, d, "决算.pdf")
    assert parse_raw_key(f"raw/{b}/{d}/..") is None
    assert parse_raw_key(f"raw/b_x/{d}/a.txt") is None
    assert parse_raw_key(f"raw/{b}/d_x/a.txt") is None
    assert parse_raw_key(f"raw/{b}/{d}/a/b.txt") is None
    assert parse_raw_key(f"extracted/{b}/{d}/a.txt") is None
