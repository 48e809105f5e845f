"""The error hierarchy.

Every failure a user can cause has its own class and a message that names the
file, the field, the value found and what was expected, so the CLI can print
one line and exit 2 without a traceback.  Programming errors stay ordinary
Python exceptions: they are bugs, not user input.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any


class FootprintError(Exception):
    """Base of every error caused by input a person can fix."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.field:
            parts.append(f"field '{self.field}'")
        where = ": ".join(parts)
        text = f"{where}: {self.message}" if where else self.message
        if self.value is not None:
            text += f" (found: {self.value!r})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class RuleError(FootprintError):
    """A calculation rule file is malformed or inconsistent."""


class ActivityDataError(FootprintError):
    """Company activity data are missing, malformed or inconsistent with the rule."""


class UnitError(FootprintError):
    """A unit is unknown, ambiguous or of the wrong dimension."""


class InventoryError(FootprintError):
    """A secondary dataset in inventories/ is malformed."""


class LinkingError(FootprintError):
    """An exchange names a dataset, process or elementary flow that does not exist."""


class MethodError(FootprintError):
    """An impact category or LCIA method is unknown or not installed."""


class SetupError(FootprintError):
    """The Brightway project is missing or cannot be created."""


class OutputExistsError(FootprintError):
    """An output file exists and --force was not given."""


class DeclarationError(FootprintError):
    """A file given as a declaration is not one (not JSON, or not valid against the schema)."""


class VerificationError(FootprintError):
    """A recomputed declaration differs from the one given."""

    exit_code = 1
