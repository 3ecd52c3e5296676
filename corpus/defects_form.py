"""Defect kinds of wording and form (issue 8, item 1): duplicated words and punctuation, unbalanced brackets, truncated sentences, placeholders, wrong level/unit words, wrong years, 科目 names.

Each :class:`~corpus.defects.DefectKind` changes the clean draft in one place (its injector's
docstring says where) and has a ``present`` re-check on the structured draft for
:func:`corpus.verify.violations`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus.defects import DefectKind

KINDS: list[DefectKind] = []
