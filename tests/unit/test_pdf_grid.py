"""Ruled tables from ruling segments, and text from positioned characters (pure geometry)."""

from __future__ import annotations

from services.ingest.pdf_grid import (
    Char,
    HRule,
    VRule,
    assign_chars,
    cell_text,
    find_grids,
    group_lines,
    line_text,
    merge_rules,
)


def box(xs: list[float], ys: list[float]) -> tuple[list[HRule], list[VRule]]:
    """Full rules of a plain grid with column edges ``xs`` and row edges ``ys``."""
    return [HRule(y, xs[0], xs[-1]) for y in ys], [VRule(x, ys[0], ys[-1]) for x in xs]


def chars(text: str, x0: float, y0: float, w: float = 10.0, h: float = 10.0, gap: float = 0.0) -> list[Char]:
    out = []
    x = x0
    for ch in text:
        out.append(Char(ch, x, y0, x + w, y0 + h))
        x += w + gap
    return out


def test_plain_grid_cells_and_text() -> None:
    hs, vs = box([0, 100, 200, 300], [0, 20, 40])
    (grid,) = find_grids(hs, vs)
    assert (grid.n_rows, grid.n_cols) == (2, 3)
    rest = assign_chars(
        [grid], chars("合计", 10, 5) + chars("2,946.25", 110, 5, w=5) + chars("注：本表", 0, 60)
    )
    assert "".join(c.text for c in rest) == "注：本表"
    texts = {(c.row, c.col): cell_text(c.chars) for c in grid.cells}
    assert texts[(0, 0)] == "合计" and texts[(0, 1)] == "2,946.25" and texts[(1, 2)] == ""


def test_missing_rule_merges_cells() -> None:
    # the vertical rule between columns 0 and 1 stops at the first row: row 1 is one merged cell
    hs = [HRule(0, 0, 300), HRule(20, 0, 300), HRule(40, 0, 300)]
    vs = [VRule(0, 0, 40), VRule(100, 0, 20), VRule(200, 0, 40), VRule(300, 0, 40)]
    (grid,) = find_grids(hs, vs)
    merged = next(c for c in grid.cells if c.row == 1 and c.col == 0)
    assert merged.col_span == 2 and merged.row_span == 1
    assert not any(c.row == 1 and c.col == 1 for c in grid.cells)  # covered, not repeated


def test_vertical_merge_of_a_header_label() -> None:
    # "项目" spans two header rows: no horizontal rule under it in column 0
    hs = [HRule(0, 0, 200), HRule(20, 100, 200), HRule(40, 0, 200), HRule(60, 0, 200)]
    vs = [VRule(0, 0, 60), VRule(100, 0, 60), VRule(200, 0, 60)]
    (grid,) = find_grids(hs, vs)
    head = next(c for c in grid.cells if c.row == 0 and c.col == 0)
    assert head.row_span == 2


def test_broken_rules_are_joined_and_snapped() -> None:
    hs, vs = merge_rules([HRule(10.0, 0, 50), HRule(10.4, 51, 100)], [VRule(0, 0, 30), VRule(0.3, 30.5, 60)])
    assert hs == [HRule(10.2, 0, 100)] and len(vs) == 1 and vs[0].y0 == 0 and vs[0].y1 == 60


def test_decoration_is_not_a_table() -> None:
    # a title underline and a lone box edge are not tables
    assert find_grids([HRule(50, 0, 300)], []) == []
    assert find_grids([HRule(50, 0, 300), HRule(80, 0, 300)], []) == []


def test_two_tables_on_one_page() -> None:
    h1, v1 = box([0, 100, 200], [0, 20, 40])
    h2, v2 = box([0, 150, 300], [200, 220, 240, 260])
    grids = find_grids(h1 + h2, v1 + v2)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(2, 2), (3, 2)]


def test_characters_assigned_by_centre_not_by_line() -> None:
    # an amount printed low in its row (its baseline near the next rule) still belongs to the row
    hs, vs = box([0, 100, 200], [0, 30, 60])
    (grid,) = find_grids(hs, vs)
    assign_chars([grid], chars("0.31", 110, 18, w=5))
    cell = next(c for c in grid.cells if c.row == 0 and c.col == 1)
    assert cell_text(cell.chars) == "0.31"


def test_wrapped_cjk_name_joins_and_numbers_stay_apart() -> None:
    name = chars("机关事业单位基本养老保险缴", 0, 0) + chars("费支出", 0, 12)
    assert cell_text(name) == "机关事业单位基本养老保险缴费支出"
    assert cell_text(chars("1.50", 0, 0, w=5) + chars("2.00", 0, 12, w=5)) == "1.50 2.00"


def test_line_tokens_split_at_gaps_letter_spacing_kept() -> None:
    # "201 06 01" are three tokens; letter-spaced CJK ("因 公 出 国") stays one word
    code = chars("201", 0, 0, w=5) + chars("06", 30, 0, w=5) + chars("01", 60, 0, w=5)
    text, tokens = line_text(code)
    assert text == "201 06 01" and len(tokens) == 3
    spaced = chars("因公出国境费用", 0, 0, gap=6)
    assert line_text(spaced)[0] == "因公出国境费用"
    # three labels over three narrow columns: too few characters to be letter spacing
    assert line_text(chars("类款项", 0, 0, gap=8))[0] == "类 款 项"


def test_lines_grouped_by_vertical_overlap() -> None:
    top = chars("第一行", 0, 0)
    bottom = chars("第二行", 0, 14)
    lines = group_lines(bottom + top)
    assert ["".join(c.text for c in ln) for ln in lines] == ["第一行", "第二行"]
