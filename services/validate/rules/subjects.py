"""科目 codes and names against the official 政府收支分类科目 of the document's year (issue 8, item 1)."""

from __future__ import annotations
