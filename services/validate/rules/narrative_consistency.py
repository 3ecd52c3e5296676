"""The narrative agreeing with itself across sections and annexes: restated quantities, carry-over continuity, the previous year's balance, copied item descriptions (issue 8, item 2)."""

from __future__ import annotations
