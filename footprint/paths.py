"""Where the project's data files live.

Rules, inventories and examples are data files beside the package (the project
is installed in editable mode by ``make``); users add their own inventory
datasets under ``$FOOTPRINT_HOME/inventories`` without touching the repository.
"""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def provenance_path(path: str | os.PathLike) -> str:
    """How a declaration's provenance names an input file: relative to the repository inside it, else its real
    absolute path.

    One name per file, whatever route reached it: ``declare RULE DATA`` from any directory, with any
    spelling ('./', '..', a symlink), and a batch row whose manifest names it relative to the
    manifest all record the same string, so they give the same content hash (issue 14: a batch's
    results are identical to one-by-one runs).  Outside the repository the path was recorded as
    typed, so a batch (which makes manifest paths absolute) and ``declare`` run from the same
    directory on the same files gave two content hashes.  An absolute path is also found by
    ``verify`` as written from any directory (declaration.verify.find_recorded).

    Written on the resolved string rather than with pathlib: three paths per declaration went
    through pathlib's parsing of every part (about 0.1 ms of a 3 ms batch row); the text is
    what ``path.resolve().relative_to(REPO_ROOT).as_posix()`` gives (tests/test_speed_paths.py).
    """
    real, root = os.path.realpath(path), str(REPO_ROOT)
    _refuse_undecodable(path, real)
    if real == root:
        return "."
    if real.startswith(root.rstrip(os.sep) + os.sep):
        return real[len(root.rstrip(os.sep)) + 1:].replace(os.sep, "/")
    return real


def _refuse_undecodable(path: str | os.PathLike, real: str) -> None:
    """A path that is not valid UTF-8 cannot be recorded in a declaration: refused naming the file (exit 2).

    Why: a file or folder named in another charset (a Latin-1 'Jahresbericht_M\\xfcller' on a UTF-8 system)
    reaches Python as text with surrogates; a declaration is UTF-8 JSON, so its content hash failed with a
    UnicodeEncodeError traceback after the whole calculation.  A reviewer could not type the name either.
    """
    try:
        real.encode("utf-8")
    except UnicodeEncodeError:
        from footprint.errors import FootprintError

        shown = os.fsdecode(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")  # bad\\xffdir
        raise FootprintError("the file's path is not valid UTF-8 text, so a declaration cannot record it",
                             file=shown, field="path", expected="file and folder names in UTF-8 (rename them, "
                                                                "e.g. with 'convmv -f latin1 -t utf8')") from None


def home() -> Path:
    """The project-owned data directory (``FOOTPRINT_HOME`` overrides the platform default).

    A machine without a home directory (a container run as a user id that /etc/passwd does not know, with
    HOME unset or relative) is told to set FOOTPRINT_HOME: platformdirs and ``~`` raised RuntimeError there,
    a traceback from every command that reads data.
    """
    override = os.environ.get("FOOTPRINT_HOME")
    try:
        if override:
            return Path(override).expanduser().resolve()
        import platformdirs

        return Path(platformdirs.user_data_dir("footprint", appauthor=False))
    except RuntimeError as exc:  # "Could not determine home directory" (pathlib), "... set an absolute HOME" (platformdirs)
        from footprint.errors import SetupError

        raise SetupError(f"no home directory to keep footprint's data in ({exc})", file=override or "~",
                         field="FOOTPRINT_HOME", expected="FOOTPRINT_HOME set to an absolute directory, e.g. "
                                                          "FOOTPRINT_HOME=/var/lib/footprint") from None


def rules_dir() -> Path:
    """The rule library this process reads rule ids from: ``FOOTPRINT_RULES``, else footprint's own (shipped_rules_dir)."""
    return Path(os.environ.get("FOOTPRINT_RULES", shipped_rules_dir()))


def shipped_rules_dir() -> Path:
    """footprint's own rule library (rules/ beside the package): what every other machine holds for a rule id.

    Why apart from rules_dir: ``FOOTPRINT_RULES`` replaces the library on one machine, and a rule of that
    library was its own "library twin", so a copy of rules/ndpr-oxide.yaml with one price edited, put in
    such a library, declared 32.58 instead of 46.56 kg CO2-Eq/kg as "rule ndpr-oxide 1.1.0", exit 0, and
    the declaration did not say the library was another.  footprint.inputs.rule holds such a rule to the
    shipped library's rule of its id as well (library_counterparts).
    """
    return REPO_ROOT / "rules"


def inventories_dirs() -> list[Path]:
    """The bundled library first, then the user's own datasets (if any)."""
    dirs = [Path(os.environ.get("FOOTPRINT_INVENTORIES", REPO_ROOT / "inventories"))]
    user = home() / "inventories"
    if readable_dir(user):
        dirs.append(user)
    return dirs


def readable_dir(path: Path) -> bool:
    """Whether ``path`` is a directory; one this user may not look into is an error naming FOOTPRINT_HOME.

    Why: a FOOTPRINT_HOME set up under ``umask 077`` by its owner (an administrator's shared home) is
    closed to every other user: ``Path.is_dir`` raised PermissionError there, a traceback out of every
    declaration, and a CURRENT pointer or snapshot that could not be read was taken for "no snapshot set
    up" or "damaged", and a set-up tried (and failed: "cannot write").
    """
    try:
        return path.is_dir()
    except PermissionError as exc:
        raise not_readable(path, exc) from None


def not_readable(path: Path, exc: OSError | None = None):
    """The error for footprint data under FOOTPRINT_HOME that this user may not read (errors.HomeNotReadable)."""
    from footprint.errors import HomeNotReadable

    return HomeNotReadable(f"this user may not read footprint's data: {(exc and exc.strerror) or 'permission denied'}",
                           file=path, field="FOOTPRINT_HOME",
                           expected="a FOOTPRINT_HOME this user may read (one set up under umask 077 is its owner's "
                                    "alone: ask them to open it with 'chmod -R go+rX', or set up your own)")


def examples_dir() -> Path:
    return REPO_ROOT / "examples"


def schemas_dir() -> Path:
    return REPO_ROOT / "schemas"


#: what turns a snapshot's sources into its content: the data wing, the inputs wing it reads, and the
#: top-level helpers (tests/test_layout.py keeps footprint.data from importing anything else).
BUILDER_PARTS = ("data", "inputs")
#: top-level modules outside the builder: the API reaches every wing, so it changes with any of them
NOT_BUILDER = ("api.py",)


@functools.lru_cache(maxsize=1)
def _package_files() -> tuple[tuple[Path, bytes], ...]:
    """(relative path, sha256) of every file of the package, read once per process for both digests below."""
    return _read_package_files()


def installed_code_changed() -> bool:
    """Whether footprint's files on disk differ from those this process took its digests from (read again now).

    Why: the digests are taken once per process, and they are the truth about the code it runs: a
    long-lived process (``footprint serve``, a warm host) whose installed footprint is upgraded under
    it keeps running the old code.  But it must then not build a background: it rebuilt the snapshot
    the new code had just built (every new command then rebuilt it back), and a build runs code it
    imports then, from the new files, under the old digest.  About 12 ms: called before a build only.
    False before any digest was taken (the process reads the files now: there is nothing to differ from).
    """
    if _package_files.cache_info().currsize == 0:
        return False
    return _read_package_files() != _package_files()


def stale_code_error():
    """The error for a process whose installed footprint changed under it (installed_code_changed)."""
    from footprint.errors import SetupError

    return SetupError("footprint's installed code changed after this process started (an upgrade): it runs the "
                      "old code, so it neither builds a background with it nor claims the new code's digest",
                      file=Path(__file__).resolve().parent,
                      expected="this process restarted (a server, a warm host, a notebook kernel) so that it runs "
                               "the code installed now")


def _read_package_files() -> tuple[tuple[Path, bytes], ...]:
    package = Path(__file__).resolve().parent
    return tuple((path.relative_to(package), hashlib.sha256(path.read_bytes()).digest())
                 for path in sorted(package.rglob("*"))
                 if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc")


def _package_digest(selected) -> str:
    """SHA-256 over the package's files ``selected(relative path)`` keeps, by relative path and content."""
    digest = hashlib.sha256()
    for relative, content in _package_files():
        if selected(relative):
            digest.update(relative.as_posix().encode("utf-8") + b"\0")
            digest.update(content)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the footprint package as this process runs it (every file under footprint/, by relative path).

    Why: a cluster worker started from another checkout computed a batch's rows with other code under
    the same snapshot and the same recorded version (0.1.0), exit 0.  Read once per process (about
    12 ms): the code a process imported does not change under it.
    """
    return _package_digest(lambda relative: True)


@functools.lru_cache(maxsize=1)
def builder_digest() -> str:
    """SHA-256 of the code that builds a background snapshot (footprint/data, footprint/inputs, top-level helpers).

    Why: a snapshot records the files it was built from, not the code that built them.  Another
    footprint (an upgrade, another checkout) that converts the same dataset files differently (a
    flow matched to another compartment, a unit read otherwise) found the old snapshot "up to date"
    and declared its numbers, exit 0, under the same recorded version; a reviewer with the new code
    got others.  The snapshot now records this digest and is rebuilt when it differs.  Engine,
    declaration, report and CLI changes do not touch a snapshot, so they cost no rebuild.
    """
    return _package_digest(lambda relative: (relative.parts[0] in BUILDER_PARTS if len(relative.parts) > 1
                                             else relative.name not in NOT_BUILDER))
