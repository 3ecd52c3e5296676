"""Synthetic final-accounts (部门决算) PDFs drawn in the layouts real disclosures use.

Real disclosures differ mostly in how their tables are drawn, not in what they say: ruled or unruled,
three-line, title inside the table, amounts in 元, borders made of filled rectangles, tables split
over pages with or without a repeated header, landscape pages. This package draws one consistent
department (:mod:`tests.layouts.data`) in each of those layouts so that the PDF reader can be checked
against exactly what was drawn:

* :mod:`tests.layouts.data`      the department's figures (every identity holds)
* :mod:`tests.layouts.render`    a small reportlab renderer: paragraphs and tables in six drawing styles
* :mod:`tests.layouts.tables`    the ten public tables in the Shanghai and the 景德镇 layout
* :mod:`tests.layouts.document`  a whole document: cover, 第一部分, the tables, the narrative
* :mod:`tests.layouts.variations` the named layout variations used by ``tests/unit/test_pdf_layouts.py``
"""
