"""The error hierarchy.

Every failure a user can cause has its own class and a message that names the
file, the field, the value found and what was expected, so the CLI can print
one line and exit 2 without a traceback.  Programming errors stay ordinary
Python exceptions: they are bugs, not user input.

Everything echoed from an input is cut to a short excerpt here, once for every error:
a 50 MB value, a 700,000-item list or a whole file never reaches the terminal whole.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from footprint._text import excerpt, value_excerpt

#: Longest message, file and expectation parts an error prints (they can quote inputs too).
MESSAGE_CHARS = 2000
PART_CHARS = 400


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
            parts.append(excerpt(self.file, PART_CHARS))
        if self.field:
            parts.append(f"field '{excerpt(str(self.field), PART_CHARS)}'")
        where = ": ".join(parts)
        message = excerpt(str(self.message), MESSAGE_CHARS)
        text = f"{where}: {message}" if where else message
        if self.value is not None:
            text += f" (found: {value_excerpt(self.value)})"
        if self.expected:
            text += f"; expected {excerpt(str(self.expected), PART_CHARS)}"
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


class HomeNotReadable(SetupError):
    """FOOTPRINT_HOME holds data this user may not read: not a set-up to renew (that would fail the same way)."""


class HomeNotTrusted(SetupError):
    """FOOTPRINT_HOME holds data another user may write: not used (they would decide this user's numbers),
    and not a set-up to renew in place (others could change the new one the same way)."""


class OutputError(FootprintError):
    """An output cannot be written (not a regular file, disk full, read-only file system, permission)."""


class OutputExistsError(OutputError):
    """An output file exists and --force was not given."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, as Ctrl-C is (footprint._io.interrupt_on_termination).

    Why: those signals killed the process at once by default, so a kill (``timeout``, a closed
    terminal, a scheduler stopping a job) while an output was being written left its temporary
    file behind; raised as an exception, every write cleans up as it does on Ctrl-C.
    ``exit_code`` is the shell's 128 + the signal's number (143 for SIGTERM, 129 for SIGHUP).
    """

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(f"terminated ({signal.Signals(signum).name}): nothing half-written was left behind")
        self.signum = signum
        self.exit_code = 128 + signum


class DeclarationError(FootprintError):
    """A file given as a declaration is not one (not JSON, or not valid against the schema)."""


class VerificationError(FootprintError):
    """A recomputed declaration differs from the one given."""

    exit_code = 1
