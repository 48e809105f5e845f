"""Where the project's data files live.

Rules, inventories and examples are data files beside the package (the project
is installed in editable mode by ``make``); users add their own inventory
datasets under ``$FOOTPRINT_HOME/inventories`` without touching the repository.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def home() -> Path:
    """The project-owned data directory (``FOOTPRINT_HOME`` overrides the platform default)."""
    override = os.environ.get("FOOTPRINT_HOME")
    if override:
        return Path(override).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir("footprint", appauthor=False))


def rules_dir() -> Path:
    return Path(os.environ.get("FOOTPRINT_RULES", REPO_ROOT / "rules"))


def inventories_dirs() -> list[Path]:
    """The bundled library first, then the user's own datasets (if any)."""
    dirs = [Path(os.environ.get("FOOTPRINT_INVENTORIES", REPO_ROOT / "inventories"))]
    user = home() / "inventories"
    if user.is_dir():
        dirs.append(user)
    return dirs


def examples_dir() -> Path:
    return REPO_ROOT / "examples"


def schemas_dir() -> Path:
    return REPO_ROOT / "schemas"
