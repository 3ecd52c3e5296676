"""Small PDFs made in the tests (reportlab, its built-in CID font: no font file needed): a ruled
table under its title, narrative lines, printed page numbers; encrypted, image-only, rotated and
long variants for the bad-input paths."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

INCOME_HEADER = ["类", "款", "项", "科目名称", "本年收入合计", "财政拨款收入", "其他收入"]
INCOME_ROWS = [
    ["", "", "", "合计", "2,946.25", "2,940.05", "6.20"],
    ["201", "", "", "一般公共服务支出", "2,112.86", "2,106.66", "6.20"],
    ["201", "06", "", "财政事务", "2,112.86", "2,106.66", "6.20"],
    ["201", "06", "01", "行政运行", "1,511.90", "1,511.89", "0.01"],
    ["201", "06", "02", "一般行政管理事务", "601.96", "594.77", "6.19"],
]


def ruled_table(
    c: canvas.Canvas,
    x: float,
    top: float,
    widths: list[float],
    rows: list[list[str]],
    h: float = 18,
    rules: bool = True,
    right: frozenset[int] = frozenset(),
) -> float:
    """Draw ``rows`` as a table with its top-left corner at (x, top), ruled unless ``rules`` is
    False; columns in ``right`` are right-aligned. Returns its bottom."""
    xs = [x]
    for w in widths:
        xs.append(xs[-1] + w)
    bottom = top - h * len(rows)
    if rules:
        for i in range(len(rows) + 1):
            c.line(xs[0], top - i * h, xs[-1], top - i * h)
        for xx in xs:
            c.line(xx, top, xx, bottom)
    c.setFont(FONT, 9)
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            if text:
                # pdfium drops a one-glyph string of reportlab's CID font from the text layer: pad it
                text = text + " " if len(text) == 1 else text
                if j in right and i > 0:
                    c.drawRightString(xs[j + 1] - 3, top - (i + 1) * h + 5, text)
                else:
                    c.drawString(xs[j] + 3, top - (i + 1) * h + 5, text)
    return bottom


def income_table_pdf(
    *, page_number: str | None = "- 8 -", encrypt: object = None, rotate: int = 0, rules: bool = True
) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt, invariant=1)
    w, h = A4
    if rotate == 90:
        # a landscape page stored portrait with /Rotate 90 (as Word writes landscape sections):
        # the content is drawn turned so that the page displays upright. reportlab's page size
        # is the displayed one (it writes the media box turned back), so ask for landscape to
        # get a portrait media box
        c.setPageSize((h, w))
        c.setPageRotation(90)
        c.translate(w, 0)
        c.rotate(90)
        w, h = h, w
    c.setFont(FONT, 16)
    c.drawCentredString(w / 2, h - 80, "收入决算表")
    c.setFont(FONT, 9)
    c.drawRightString(w - 40, h - 100, "单位：万元")
    bottom = ruled_table(
        c,
        40,
        h - 110,
        [30, 30, 30, 130, 90, 90, 90],
        [INCOME_HEADER, *INCOME_ROWS],
        rules=rules,
        right=frozenset({4, 5, 6}),
    )
    c.setFont(FONT, 10)
    c.drawString(40, bottom - 20, "注：本表反映部门本年度取得的各项收入情况。")
    c.drawString(40, bottom - 60, "本年收入合计2946.25万元，其中：财政拨款收入2940.05万元，占99.79%。")
    if page_number:
        c.drawCentredString(w / 2, 30, page_number)
    c.showPage()
    c.save()
    return buf.getvalue()


def image_only_pdf() -> bytes:
    """A 'scan': one page holding an image and no text."""
    from PIL import Image

    img = Image.new("RGB", (200, 280), "white")
    for x in range(20, 180):
        img.putpixel((x, 40), (0, 0, 0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return buf.getvalue()


def many_pages_pdf(n: int) -> bytes:
    """``n`` pages with one line each (pypdfium2 writes them quickly)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(n):
        pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
