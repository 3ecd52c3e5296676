"""Disclosure completeness: 三公 items one by one, required sections, reasons for stated changes, attachments the text promises (issue 8, item 3)."""

from __future__ import annotations
