"""The package's version, for the CLI's ``--version`` and the api's OpenAPI document: the installed
distribution's metadata, or ``[project].version`` of pyproject.toml in a source checkout."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def pyproject_version(path: Path | None = None) -> str | None:
    try:
        return str(tomllib.loads((path or PYPROJECT).read_text("utf-8"))["project"]["version"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


@lru_cache
def package_version() -> str:
    try:
        return version("juesuan")
    except PackageNotFoundError:
        return pyproject_version() or "unknown"
