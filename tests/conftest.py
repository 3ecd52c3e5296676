"""Shared test fixtures. Real documents are read from ../shared/seeds beside the checkout when present
(they are public disclosures we may not copy into the project); tests needing them skip otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.ingest.text import extract_text_document
from services.parse.document import parse_document
from shared.models import ParsedDocument

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# The `slow` marker (registered in pyproject.toml): tests that start servers or workers, or take more
# than ~5 s. `pytest -m "not slow"` runs the rest, the fast tests, alone.
TESTS_DIR = Path(__file__).resolve().parent
SLOW_DIRS = ("integration", "e2e")
SLOW_TESTS = {("unit", "test_extract_legacy.py", "test_real_round_trip_through_libreoffice")}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.resolve()
        if not path.is_relative_to(TESTS_DIR):
            continue
        parts = path.relative_to(TESTS_DIR).parts
        if parts[0] in SLOW_DIRS or (*parts, item.name) in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


def seed_path(prefix: str) -> Path:
    matches = sorted(SEEDS_DIR.glob(f"{prefix}_*.txt")) if SEEDS_DIR.is_dir() else []
    if not matches:
        pytest.skip(f"seed {prefix} not available at {SEEDS_DIR}")
    return matches[0]


_CACHE: dict[str, ParsedDocument] = {}


def parsed_seed(prefix: str) -> ParsedDocument:
    if prefix not in _CACHE:
        path = seed_path(prefix)
        _CACHE[prefix] = parse_document(extract_text_document(path.name, path.read_bytes()))
    return _CACHE[prefix]
