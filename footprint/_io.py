"""Small I/O helpers: reading YAML with located errors, hashing, atomic writes, quiet Brightway."""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import yaml

from footprint.errors import FootprintError, OutputExistsError

#: libyaml's loader when present (10x faster on the ~100 inventory files), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_yaml(path: Path, error: type[FootprintError]) -> Any:
    """Parse a YAML file; a syntax error becomes ``error`` with the line and column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read file: {exc}", file=path) from None
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"malformed YAML{where}: {problem}", file=path,
                    expected="valid YAML (check indentation and quoting)") from None


def field_path(parts) -> str:
    """A location as users read it in their files: ``processes.mining.inputs[0].unit``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def pydantic_error(exc: Exception, path: Path, error: type[FootprintError]) -> FootprintError:
    """Turn the first pydantic validation error into one of ours, naming the field path."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    if not errors:
        return error(str(exc), file=path)
    first = errors[0]
    field = field_path(first.get("loc", ()))
    value = first.get("input")
    if isinstance(value, dict) or isinstance(value, list):
        value = None
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return error(first.get("msg", "invalid value") + more, file=path, field=field or None, value=value)


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Hold back Brightway's prints and progress bars; show them on stderr only if something fails.

    bw2io prints "Applying strategy..." and tqdm bars; none of it helps a footprint
    user, and stdout must stay machine-readable.
    """
    import io

    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    except BaseException:
        sys.stderr.write(sink.getvalue())
        raise


def check_writable(path: Path, force: bool) -> None:
    """Refuse to overwrite an existing output unless asked, and refuse paths that cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError("output path is a directory", file=path, expected="a file path")
    if path.exists() and not force:
        raise OutputExistsError("output file exists", file=path, expected="another path, or --force to overwrite")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputExistsError(f"cannot create the output: '{parent}' is a file, not a directory",
                                        file=path, expected="a path whose parent folders are directories")
            if not os.access(parent, os.W_OK):
                raise OutputExistsError(f"cannot write into '{parent}' (permission denied)", file=path,
                                        expected="a writable directory")
            break


def write_atomic(path: Path, content: str | bytes, *, force: bool) -> Path:
    """Write via a temporary file in the same directory and rename, so no reader sees half a file."""
    path = Path(path)
    check_writable(path, force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputExistsError(f"cannot create the output directory: {exc.strerror}", file=path) from None
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path
