"""Defect kinds of disclosure completeness and tables against each other (issue 8, items 3 and 4).

Each :class:`~corpus.defects.DefectKind` changes the clean draft in one place (its injector's
docstring says where) and has a ``present`` re-check on the structured draft for
:func:`corpus.verify.violations`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus.defects import DefectKind

KINDS: list[DefectKind] = []
