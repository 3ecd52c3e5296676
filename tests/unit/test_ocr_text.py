"""How recognised characters become text (services/ingest/ocr.py, pdf_grid.py): the recogniser's
boxes are drawn round the ink, so Chinese text and its full-width punctuation show gaps a text
layer never has, and dust leaves marks beside numbers and labels. Neither may change what a
rule reads: "支出 （款）" must read as "支出（款）", "22001·" as "22001", "减少.63.14万元" as
"减少63.14万元" — while a text layer's own spacing is kept as it is."""

from __future__ import annotations

from services.ingest.ocr import without_specks
from services.ingest.pdf_grid import Char, line_text

H = 10.0  # character height, points


def run(text: str, gaps: dict[int, float] | None = None, conf: float = 1.0) -> list[Char]:
    """Characters of ``text`` side by side (wide ones a square, narrow ones half), with an extra
    gap before the character at each index of ``gaps``."""
    out: list[Char] = []
    x = 0.0
    for i, ch in enumerate(text):
        x += (gaps or {}).get(i, 0.0)
        w = H if ord(ch) > 0x2E80 else H / 2
        out.append(Char(ch, x, 0.0, x + w, H, conf))
        x += w
    return out


def text_of(chars: list[Char], ocr: bool) -> str:
    return line_text(chars, ocr)[0]


def test_ink_gaps_beside_chinese_text_and_its_punctuation_are_no_word_breaks_in_ocr() -> None:
    # "（" is inked on its right half: its box starts half a character after the square's
    chars = run("养老支出（款）", {4: 0.6 * H})
    assert text_of(chars, ocr=True) == "养老支出（款）"
    chars = run("603.14万元", {7: 0.5 * H})  # the recogniser's boxes split a word unevenly
    assert text_of(chars, ocr=True) == "603.14万元"
    assert text_of(run("下降2.10%", {6: 0.4 * H}), ocr=True) == "下降2.10%"


def test_a_column_gap_still_breaks_and_a_text_layer_keeps_its_spacing() -> None:
    # two columns of an unruled table: several characters apart
    assert text_of(run("行政运行合计", {4: 3 * H}), ocr=True) == "行政运行 合计"
    # a text layer's boxes are the font's squares: a visible gap is a real space
    assert text_of(run("养老支出款项", {4: 0.6 * H}), ocr=False) == "养老支出 款项"


def test_dust_beside_numbers_and_labels_is_dropped() -> None:
    def clean(text: str) -> str:
        return "".join(c.text for c in without_specks(run(text)))

    assert clean("22001·") == "22001"
    assert clean("'586.91") == "586.91"
    assert clean("年末结转和结余·") == "年末结转和结余"
    assert clean("事业运行.") == "事业运行"
    assert clean("减少.63.14万元") == "减少63.14万元"
    # marks that are the text's own stay
    assert clean("1,234.56") == "1,234.56"
    assert clean("第一条.") == "第一条"  # a "." ending Chinese is dust (its full stop is "。")
    assert clean("马克思·恩格斯") == "马克思·恩格斯"
    assert clean("住房保障支出·（类）") == "住房保障支出（类）"
    assert clean("0.5") == "0.5"
    assert clean('3845.24 "') == "3845.24 "


def test_curly_quotes_of_chinese_text_are_its_punctuation() -> None:
    assert text_of(run("“三公”经费", {4: 0.6 * H}), ocr=True) == "“三公”经费"


def test_a_point_before_a_number_in_chinese_text_is_dust() -> None:
    def clean(text: str) -> str:
        return "".join(c.text for c in without_specks(run(text)))

    assert clean("接待2批次、.26人次") == "接待2批次、26人次"
    assert clean("共计0.26万元") == "共计0.26万元"


def test_a_gap_beside_a_decimal_point_inside_a_number_is_no_word_break_in_ocr() -> None:
    assert text_of(run("预算为10210.34万元", {9: 0.5 * H}), ocr=True) == "预算为10210.34万元"
    assert text_of(run("58691", {3: 0.5 * H}), ocr=True) == "586 91"  # a lost point: two tokens


def test_a_second_reading_replaces_the_first_only_by_leaving_marks_out() -> None:
    from services.ingest.ocr import _marks_left_out

    assert _marks_left_out("2122.(09", "2122.09")
    assert _marks_left_out("-461.08", "461.08")
    assert not _marks_left_out("-461.08", "-461.08")  # the same reading proves nothing
    assert not _marks_left_out("2122.09", "212209")  # a point left out is another figure
    assert not _marks_left_out("2122.09", "2122.69")  # a digit read otherwise: unsure stays


def test_a_cell_is_cleaned_of_dust_and_rule_remnants_but_keeps_its_decimal_point() -> None:
    import numpy as np

    from services.ingest.ocr import _cell_ink
    from shared.document import BBox

    img = np.full((60, 200), 255, dtype=np.uint8)
    img[0:60, 0:2] = 0  # a rule remnant along the cell's left edge
    img[20:40, 60:70] = 0  # a digit
    img[36:40, 74:78] = 0  # the point, low between two digits
    img[20:40, 82:92] = 0  # a digit
    img[8:11, 120:123] = 0  # dust high in the cell
    crop = _cell_ink(img, BBox(x0=0, y0=0, x1=200, y1=60), 1.0)
    assert crop is not None
    dark = np.argwhere(crop < 160)
    assert crop.shape[0] < 40 and crop.shape[1] < 60, "trimmed to the ink"
    assert len(dark) == 20 * 10 * 2 + 16, "two digits and the point; the dust and the rule are gone"


def test_a_number_keeps_one_point_and_sheds_the_dust_after_it() -> None:
    from services.ingest.ocr import SPECK_POINT

    def clean(chars: list[Char]) -> str:
        return "".join(c.text for c in without_specks(chars))

    assert clean(run("支出2940.05.万元")) == "支出2940.05万元"
    chars = run("合计29.40.05万元")
    chars[4].conf = SPECK_POINT  # the first point has no ink under it: dust
    assert clean(chars) == "合计2940.05万元"
    assert clean(run("合计29.40.05万元")) == "合计2940.05万元"  # both inked: the one before two decimals


def test_points_and_stops_that_are_dust() -> None:
    def clean(chars: list[Char]) -> str:
        return "".join(c.text for c in without_specks(chars))

    assert clean(run("支出（类）.自然资源事务")) == "支出（类）自然资源事务"
    assert clean(run("增长100..00%")) == "增长100.00%"
    assert clean(run(".")) == "." and clean(run("..5")) == ".5"  # at the ends of a run, too
    faint = run("一般公共服务支出。")
    faint[-1].conf = 0.25
    assert clean(faint) == "一般公共服务支出"
    assert clean(run("一般公共服务支出。")) == "一般公共服务支出。"  # a stop read surely stays


def test_any_run_of_marks_digits_and_chinese_is_cleaned_without_failing() -> None:
    import random

    rng = random.Random(7)
    alphabet = "0123456789.,·'`\"。，、（）%年元 "
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))).replace(" ", "")
        if not text:
            continue
        chars = run(text, conf=rng.choice([0.3, 0.6, 1.0]))
        kept = without_specks(chars)
        assert all(c in chars for c in kept), "only drops characters"
        assert "".join(c.text for c in kept if c.text.isdigit()) == "".join(ch for ch in text if ch.isdigit())


def test_a_comma_before_the_last_two_digits_is_a_decimal_point() -> None:
    from services.parse.numbers import REPAIRED_LETTER, repair_number

    assert repair_number("51,32") == ("51.32", REPAIRED_LETTER)
    assert repair_number("1,234") is None  # a thousands separator


def test_of_two_points_the_one_read_more_surely_stays() -> None:
    chars = run("增长100..00%")
    chars[5].conf = 0.4  # the second point is the faint one
    assert "".join(c.text for c in without_specks(chars)) == "增长100.00%"


def test_a_number_with_two_inked_points_keeps_the_one_before_its_two_decimals_unsurely() -> None:
    from services.ingest.ocr import TWO_POINTS

    kept = without_specks(run("增加3.07.82万元"))
    assert "".join(c.text for c in kept) == "增加307.82万元"
    assert min(c.conf for c in kept) == TWO_POINTS


def test_a_dropped_point_leaves_no_gap_inside_its_number() -> None:
    kept = without_specks(run("增加3.07.82万元", {3: 0.2 * H, 4: 0.2 * H}))
    assert line_text(kept, ocr=True)[0] == "增加307.82万元"
