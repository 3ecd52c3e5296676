"""Form: duplicated characters and punctuation, unbalanced brackets, truncated sentences, level and unit words that contradict the document (issue 8, item 1)."""

from __future__ import annotations
