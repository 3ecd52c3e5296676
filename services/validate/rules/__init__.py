"""The rule catalogue v1. Importing this package registers every rule (see ../catalogue.py)."""

from . import (
    completeness,
    cross_table,
    disclosure,
    form,
    narrative_arith,
    narrative_consistency,
    narrative_items,
    narrative_logic,
    narrative_table,
    performance,
    reasons,
    subjects,
    table_sums,
    typos,
    units_years,
    wording,
)

__all__ = [
    "completeness",
    "cross_table",
    "disclosure",
    "form",
    "narrative_arith",
    "narrative_consistency",
    "narrative_items",
    "narrative_logic",
    "narrative_table",
    "performance",
    "reasons",
    "subjects",
    "table_sums",
    "typos",
    "units_years",
    "wording",
]
