"""Documents that look like final accounts but must not be checked as such: the official blank
template (tables without a figure, “XXX万元” placeholders) and a 部门预算 (a budget shares the
vocabulary and the table layout, but its tables are 预算表 and its figures are plans)."""

from __future__ import annotations

import re

from shared.document import Line
from shared.errors import BlankTemplateError, BudgetDocumentError
from shared.models import Table

PLACEHOLDER_RE = re.compile(r"[XＸ×*＊]{2,}")
MIN_PLACEHOLDERS = 8


def check_not_final_accounts(lines: list[Line], tables: list[Table]) -> None:
    """Raise when the document is a blank template or a budget."""
    text = "".join(ln.norm for ln in lines)
    has_figures = any(not t.is_empty for t in tables)
    if not has_figures and len(PLACEHOLDER_RE.findall(text)) >= MIN_PLACEHOLDERS:
        raise BlankTemplateError()
    if not tables:
        budget = len(re.findall(r"部门预算|预算表|预算情况说明", text))
        final = len(re.findall(r"部门决算|决算表|决算情况说明", text))
        if budget >= 3 and budget > 2 * final:
            raise BudgetDocumentError()
