"""Small I/O helpers: strict reading with located errors, hashing, atomic writes, quiet Brightway.

Inputs are read strictly (footprint/_yaml.py, footprint/_json.py): a binary or oversized file,
a duplicate key or an ambiguous number is an error, never a guess.  Outputs are whole or absent:
written to a temporary file beside the target, flushed to disk, then renamed; a set of outputs
that belong together (a declaration and its report) is renamed together or not at all; a disk
that is full or read-only is an error naming the path, and nothing half-written stays behind.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import signal
import stat
import sys
import secrets
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterator

import yaml

from footprint.errors import FootprintError, OutputError, OutputExistsError, Terminated

#: Largest YAML or CSV input read (activity data and rules are a few kB; an inventory file ~50 kB).
MAX_TEXT_BYTES = 64 * 1024 * 1024


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_text(path: Path, error: type[FootprintError], *, max_bytes: int = MAX_TEXT_BYTES,
              expected: str | None = None) -> str:
    """A text input file as str: missing, oversized, binary or non-UTF-8 files are ``error`` (exit 2).

    NUL bytes mark a binary file (a spreadsheet, an image, a zip given where text belongs); the
    message says so instead of a UnicodeDecodeError traceback.  A UTF-8 byte-order mark is dropped.
    """
    return _read_text(Path(path), error, max_bytes, expected)[0]


def read_text_hashed(path: Path, error: type[FootprintError], *, max_bytes: int = MAX_TEXT_BYTES,
                     expected: str | None = None) -> tuple[str, str]:
    """``read_text`` and the SHA-256 of the very bytes read: the hash is of what was parsed (one read, no race)."""
    text, data = _read_text(Path(path), error, max_bytes, expected)
    return text, hashlib.sha256(data).hexdigest()


#: why an input that is a FIFO, device or socket is refused (read_input_bytes, and batches before they run)
SPECIAL_FILE = "not a regular file (a FIFO, device or socket: reading it could wait or run for ever)"


#: write permission for the group or for every user: what a file that footprint runs as code may not have
OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


def ours_alone(info: os.stat_result) -> bool:
    """Whether a file or folder is this user's and no one else may write it (the test ssh applies to its keys).

    Why: footprint keeps compiled code under FOOTPRINT_HOME/cache (the declaration check's bytecode, pint's
    pickled definitions) and runs it.  Set up under ``umask 000`` those files were writable by every user of
    the machine, and another user could replace them: run code as this user, or pass any declaration as
    valid.  A cache that is not ours alone is ignored (rebuilt in memory), never run.
    """
    return info.st_uid == os.geteuid() and not info.st_mode & OTHERS_WRITE


def read_trusted_cache(path: Path) -> bytes | None:
    """The bytes of a cache file footprint will run, or None when it is missing or not ``ours_alone``.

    Checked on the open file (fstat), then read from it: a file swapped after the check is not read.
    """
    try:
        with open(path, "rb") as handle:
            if not ours_alone(os.fstat(handle.fileno())) or not ours_alone(path.parent.stat()):
                return None
            return handle.read()
    except OSError:
        return None


def trusted_folder(folder: Path, top: Path) -> bool:
    """Whether ``folder``, everything in it and every folder from ``top`` down to it are ``ours_alone``.

    For a cache another library opens by path (pint's pickles): a check of the files alone could be
    undone by renaming a folder on the way after it, unless no one else may write any of them.
    """
    try:
        chain = [folder, *folder.parents]
        above = chain[: chain.index(top) + 1] if top in chain else chain[:1]
        return all(ours_alone(p.lstat()) for p in [*above, *folder.rglob("*")])
    except OSError:
        return False


def keep_private_to_writes(path: Path, *, inside: bool = True) -> None:
    """Take group and world write away from ``path`` (and, for a folder, ``inside`` it): a cache run as code."""
    targets = [path, *path.rglob("*")] if inside and path.is_dir() else [path]
    for target in targets:
        mode = stat.S_IMODE(target.lstat().st_mode)
        if mode & OTHERS_WRITE and not target.is_symlink():
            os.chmod(target, mode & ~OTHERS_WRITE)


def written_by_others(info: os.stat_result, owners: set[int]) -> str | None:
    """Why someone other than a trusted owner may write the file or folder ``info`` describes (None: nobody may).

    The rule of ``ours_alone`` for data several users may read but only its owner may write (a shared
    FOOTPRINT_HOME set up by an administrator): the owner is one of ``owners``, and neither the group nor
    every user has write permission.  A symbolic link's own mode means nothing (always 0777): its owner counts.
    """
    if info.st_uid not in owners:
        return f"owned by user id {info.st_uid}, who may change it"
    if not stat.S_ISLNK(info.st_mode) and info.st_mode & OTHERS_WRITE:
        who = " and ".join(name for bit, name in ((stat.S_IWGRP, "its group"), (stat.S_IWOTH, "every user"))
                           if info.st_mode & bit)
        return f"writable by {who} (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def make_folder(path: Path) -> None:
    """``path.mkdir(parents=True, exist_ok=True)``, each folder it creates without group or world write.

    Why: footprint's data folders were created under the umask, so under ``umask 000`` every user of the
    machine could add, rename or replace what footprint reads from them.  Folders that exist are left as
    they are (their owner chose); readers refuse those others may write (footprint.data.snapshot).
    """
    missing = []
    for folder in [path, *path.parents]:
        if folder.is_dir():
            break
        missing.append(folder)
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        with contextlib.suppress(OSError):  # made by another process meanwhile (not ours to chmod): readers check
            if folder.stat().st_uid == os.geteuid():
                os.chmod(folder, stat.S_IMODE(folder.stat().st_mode) & ~OTHERS_WRITE)


def data_mode() -> int:
    """The mode for a data file others may read but only its owner write: the umask's, without group/world write."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask & ~OTHERS_WRITE


def special_file(path: str | Path) -> bool:
    """Whether ``path`` is a FIFO, device or socket (after links), which no input is read from.

    A missing file or a directory is False: whoever reads it names that problem.
    """
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def read_input_bytes(path: Path, error: type[FootprintError], *, max_bytes: int = MAX_TEXT_BYTES,
                     expected: str | None = None) -> bytes:
    """The bytes of an input file that is a regular file of at most ``max_bytes``; anything else is ``error``.

    Why a regular file: a FIFO named like an input (``activity.yaml``) made ``declare`` wait for ever for a
    writer, and a link to /dev/zero (its size reads 0, so the size limit passed) was read without end until
    memory ran out.  The read stops one byte past the size, so a file growing while it is read is refused.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise error("is a directory, not a file", file=path, expected=expected)
        if not stat.S_ISREG(info.st_mode):
            raise error(SPECIAL_FILE, file=path, expected=expected or "a regular file")
        if info.st_size > max_bytes:
            raise error(f"file too large ({info.st_size} bytes; the limit is {max_bytes})", file=path,
                        expected=expected)
        with path.open("rb") as handle:
            # one byte more than its size: a file that grows while it is read is caught (a read of max_bytes
            # would allocate that much for every input, small or not)
            data = handle.read(info.st_size + 1)
    except FileNotFoundError:
        raise error("file not found", file=path) from None
    except IsADirectoryError:
        raise error("is a directory, not a file", file=path, expected=expected) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror or exc}", file=path) from None
    if len(data) > info.st_size:
        raise error("the file changed while it was read (it grew): its content is not one version",
                    file=path, expected="a file no program is writing to")
    return data


def _read_text(path: Path, error: type[FootprintError], max_bytes: int, expected: str | None) -> tuple[str, bytes]:
    data = read_input_bytes(path, error, max_bytes=max_bytes, expected=expected)
    if b"\0" in data:
        raise error("binary file (contains NUL bytes), not text", file=path, expected=expected or "a text file")
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), data
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise error(f"not UTF-8 text: byte {exc.start} (line {line}) is {data[exc.start:exc.start + 1]!r}",
                    file=path, expected=expected or "a UTF-8 text file") from None


def load_yaml(path: Path, error: type[FootprintError]) -> Any:
    """Parse a YAML file strictly (footprint/_yaml.py); any refusal becomes ``error`` with the line and column."""
    path = Path(path)
    return _parse_yaml(read_text(path, error, expected="a YAML text file"), path, error)


def load_yaml_hashed(path: Path, error: type[FootprintError]) -> tuple[Any, str]:
    """``load_yaml`` and the SHA-256 of the bytes parsed (an input's recorded hash is of what was read)."""
    value, data = load_yaml_bytes(path, error)
    return value, hashlib.sha256(data).hexdigest()


def load_yaml_bytes(path: Path, error: type[FootprintError]) -> tuple[Any, bytes]:
    """``load_yaml`` and the very bytes parsed, for a caller that hashes several files into one digest."""
    path = Path(path)
    text, data = _read_text(path, error, MAX_TEXT_BYTES, "a YAML text file")
    return _parse_yaml(text, path, error), data


def _parse_yaml(text: str, path: Path, error: type[FootprintError]) -> Any:
    from footprint import _yaml

    try:
        return _yaml.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"malformed YAML{where}: {problem}", file=path,
                    expected="valid YAML (check indentation and quoting)") from None
    except RecursionError:
        raise error("malformed YAML: nested too deeply", file=path, expected="a YAML file as the examples show") \
            from None


def field_path(parts) -> str:
    """A location as users read it in their files: ``processes.mining.inputs[0].unit``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def refuse_unknown_keys(raw: dict, allowed: tuple[str, ...], error: type[FootprintError], *, file: Path | str,
                        where: str = "", what: str = "unknown key") -> None:
    """Refuse the first key of ``raw`` not in ``allowed``: a file read as a plain mapping would read it nowhere.

    Why: a misspelt or invented key (``locaton: RoW``, ``cf_per: t``) is otherwise ignored with exit 0,
    and the entry means something the user did not write.  ``where``: the field path of ``raw``.
    """
    stray = [key for key in raw if key not in allowed]
    if stray:
        raise error(what, file=file, field=f"{where}.{stray[0]}" if where else str(stray[0]),
                    value=raw[stray[0]] if where else None, expected=f"one of {list(allowed)}")


def pydantic_message(error: dict) -> str:
    """The message of one pydantic error as the user should read it: without pydantic's "Value error, "."""
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")


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
    return error(pydantic_message(first) + more, file=path, field=field or None, value=value)


#: exit status when the reader of standard output went away: 128 + SIGPIPE, what a shell reports for a
#: program that SIGPIPE ended (Python ignores the signal and raises BrokenPipeError instead)
BROKEN_PIPE_EXIT = 141


def silence_broken_pipe() -> None:
    """Point standard output at /dev/null, so that the final flush at exit does not fail a second time.

    What the Python documentation advises for SIGPIPE: without it Python prints "Exception ignored ...
    BrokenPipeError" on stderr as it exits.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def printable_standard_streams() -> None:
    """Let standard output and error print any text on any locale: an unencodable character is escaped.

    Why: with a locale whose charset is not UTF-8 (``LC_ALL=de_DE.ISO-8859-1``, ``PYTHONIOENCODING=latin-1``)
    Python writes stdout in that charset with ``errors='strict'``, so ``rules diff`` (its '→'), ``inventories
    show`` (an en dash in a citation) or a path that is not UTF-8 (a surrogate from the file system) ended in
    a UnicodeEncodeError traceback, exit 1 ("verification found a difference"), half the output printed.
    The stream keeps its charset (what the terminal shows); a character it has not is written as
    ``\\u2192``, which a JSON reader also decodes.  A stream that is not a text file (closed: None) is left.
    """
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a detached or closed stream keeps its settings
                stream.reconfigure(errors="backslashreplace")


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


def names_a_folder(value: str) -> bool:
    """Whether a path as written ends as a folder's does (``out/``, ``out/.``, ``..``): never a file to write.

    Why: ``Path("out/")`` and ``os.path.normpath("out/")`` are ``out``, so an output written ``out/`` (a
    folder meant) became a file named ``out``, exit 0; the check must see the text before it is tidied.
    """
    return bool(value) and os.path.basename(value) in ("", ".", "..")


def check_writable(path: Path, force: bool) -> None:
    """Refuse to overwrite an existing output unless asked, and refuse paths that cannot be written.

    Only regular files are ever replaced: a device, FIFO or socket at the path is refused even
    with --force (as root, ``report -o /dev/null --force`` would otherwise replace /dev/null).
    """
    path = Path(path)
    try:
        info = path.stat()  # follows a symlink: a link to /dev/null is refused like /dev/null
    except FileNotFoundError:
        info = None
        if path.is_symlink() and not force:  # a dangling link is an entry a write would replace: ask first
            raise OutputExistsError(f"output path is a symbolic link (to '{os.readlink(path)}', which does not "
                                    "exist); the write would replace the link", file=path,
                                    expected="another path, or --force to replace the link")
    except OSError as exc:
        raise OutputError(f"cannot use the output path: {exc.strerror}", file=path) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise OutputExistsError("output path is a directory", file=path, expected="a file path")
        if not stat.S_ISREG(info.st_mode):
            raise OutputError("output path is not a regular file (a device, FIFO or socket); it is never replaced",
                              file=path, expected="the path of a regular file")
        if not force:
            raise OutputExistsError("output file exists", file=path,
                                    expected="another path, or --force to overwrite")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputExistsError(f"cannot create the output: '{parent}' is a file, not a directory",
                                        file=path, expected="a path whose parent folders are directories")
            if not os.access(parent, os.W_OK):
                read_only = bool(os.statvfs(parent).f_flag & os.ST_RDONLY)
                raise OutputError(f"cannot write into '{parent}' ("
                                  + ("read-only file system" if read_only else "permission denied") + ")",
                                  file=path, expected="a writable directory")
            break


#: Why a write failed, in words, for the errors a user can fix.
_WRITE_PROBLEMS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
                   errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                   errno.EPERM: "operation not permitted", errno.EFBIG: "the file is too large for the file system",
                   errno.EIO: "input/output error"}


def _write_error(exc: OSError, path: Path) -> OutputError:
    problem = _WRITE_PROBLEMS.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(f"cannot write the output: {problem}; nothing was written", file=path,
                       expected="a writable location with free space")


def _short_name(name: str, limit: int = 96) -> str:
    """``name`` cut to at most ``limit`` bytes of UTF-8 (whole characters), for a temporary's prefix."""
    return name.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _new_temporary(path: Path, created: list[str]) -> tuple[int, str]:
    """A new temporary file beside ``path`` (mode 0600), its name put in ``created`` before the file exists.

    Why named first: a Ctrl-C or kill landing between making the file and recording its name left
    ``.d.json.XXXX.tmp`` behind, and holding signals in this thread is no guard (a signal sent to the
    process goes to any thread that does not hold it, and Python raises it here at once).  The
    clean-up removes every name in ``created``; a name never made is simply not there.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    # the name shortened: ".NAME.XXXXXXXX.tmp" of a legal 250-byte NAME passed the file system's 255-byte
    # limit, and the output was refused as "File name too long"
    prefix = os.path.join(path.parent, f".{_short_name(path.name)}.")
    for _ in range(100):
        name = f"{prefix}{secrets.token_hex(8)}.tmp"
        created.append(name)
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            created.remove(name)  # another's file of that name (2**-64): never ours to remove
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(path.parent))


def _write_temporary(path: Path, data: bytes, mode: int | None, created: list[str]) -> str:
    """``data`` in a new temporary file beside ``path``, flushed to disk; returns its name (also in ``created``,
    from before the file exists: the caller's clean-up removes it whatever interrupts, see _new_temporary)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _new_temporary(path, created)
    except OSError as exc:
        raise _write_error(exc, path) from None
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)  # the bytes are on disk before the name points at them
        finally:
            os.close(fd)
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # made 0600; outputs are ordinary files
        os.chmod(tmp, mode)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _write_error(exc, path) from None
        raise
    return tmp


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP for the few microseconds of a set of renames; deliver them right after.

    A Ctrl-C or a kill (other than SIGKILL) that arrives then is delivered right after, so it
    can never split a declaration from its report.  Held by noting them in their Python handlers'
    place, not by this thread's signal mask: Python runs a handler in the main thread whichever
    thread the system delivered the signal to, so with other threads running the mask let it through.
    Outside the main thread (no handlers can be set there) nothing is held.
    """
    pending: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            before = signal.getsignal(signum)
            if before is not None:  # None: a handler set outside Python, which could not be put back
                previous[signum] = signal.signal(signum, lambda number, _frame: pending.append(number))
    except (AttributeError, ValueError, OSError):  # not the main thread, or no such signal here
        for signum, before in previous.items():
            signal.signal(signum, before)
        previous = {}
    try:
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)  # through the handler it was held from (Ctrl-C: KeyboardInterrupt)


@contextlib.contextmanager
def interrupt_on_termination() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise ``Terminated`` (a KeyboardInterrupt) as Ctrl-C does.

    Why: by default they end the process on the spot, so ``timeout -s TERM``, a closed terminal or
    a job scheduler's kill during a write left ``.decl.json.XXXX.tmp`` beside the output (Ctrl-C
    already cleaned up).  A signal the caller ignores (``nohup``) stays ignored.  A forked worker
    (the batch pool) that gets the signal dies of it as before: its parent runs the clean-up.
    Only the command line calls this; a program using footprint keeps its own signal handling.
    """
    owner = os.getpid()

    def handler(signum: int, _frame) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated(signum)

    previous: dict[int, Any] = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) == signal.SIG_DFL:
                previous[signum] = signal.signal(signum, handler)
    except (AttributeError, ValueError):  # not the main thread, or no such signal here
        pass
    try:
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)


def _same_file(a: Path, b: Path) -> bool:
    """``a`` and ``b`` name one file: the same absolute path, the same path once links are resolved, or
    (both existing) the same inode (hard links).

    Why resolved: ``-o real/d.json --report link/d.json`` (``link`` a symbolic link to ``real``) named one
    file that did not exist yet, so no inode could tell; the JSON replaced the report, exit 0.
    """
    if os.path.abspath(a) == os.path.abspath(b) or os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet): only the spelling could tell, and it differs
        return False


def refuse_same_path(paths: list[Path]) -> None:
    """Refuse two outputs of one write that are one file (``-o x --report x``: the report was silently lost)."""
    for i, path in enumerate(paths):
        for other in paths[:i]:
            if _same_file(path, other):
                raise OutputError("two outputs of one command are the same file; one would replace the other",
                                  file=path, value=str(other), expected="a different path for each output")


def input_index(inputs) -> dict:
    """(what, path) pairs indexed by absolute path and, for existing files, by (device, inode).

    Built once for a batch of thousands of rows, so each output is checked in constant time.
    """
    index: dict = {}
    for what, source in inputs:
        if source is None:
            continue
        index.setdefault(os.path.abspath(source), what)
        with contextlib.suppress(OSError):
            info = os.stat(source)
            index.setdefault((info.st_dev, info.st_ino), what)
    return index


def refuse_inputs(path: Path, inputs) -> None:
    """Refuse an output path that is one of the command's inputs, even with --force.

    ``declare data.yaml -o data.yaml --force`` replaced the activity data with the declaration
    (exit 0); in a batch, one row's output could replace another row's input before that row
    was computed.  ``inputs`` are (what it is, path) pairs, e.g. ("activity data", data), or
    their ``input_index``; a spelling that differs, a symlink or a hard link is the same file.
    """
    index = inputs if isinstance(inputs, dict) else input_index(inputs)
    what = index.get(os.path.abspath(path))
    if what is None:
        with contextlib.suppress(OSError):
            info = os.stat(path)
            what = index.get((info.st_dev, info.st_ino))
    if what is not None:
        raise OutputError(f"the output is an input ({what}); an input is never overwritten, even with --force",
                          file=path, expected="another output path")


def write_outputs(outputs: list[tuple], *, force: bool, mode: int | None = None) -> list[Path]:
    """Write several files that belong together: all of them, or none (nothing half-written, no orphans).

    Every file is first written to a temporary beside its target and flushed; only then are
    they renamed, the LAST one in ``outputs`` last (put the declaration JSON last: a SIGKILL in
    the microseconds between two renames can then leave a report without its declaration, never
    a declaration without its report).  If a rename fails, the targets already renamed are
    put back as they were (the old file when --force replaced one, else removed).

    Each output is ``(path, content)`` or ``(path, content, mode)`` (a private key: 0o600); the
    default mode is that of the file replaced (with --force), else of an ordinary file under the umask.
    Without ``force`` a file that appears at a target while this runs is never replaced (see _place).
    """
    paths = [Path(output[0]) for output in outputs]
    refuse_same_path(paths)
    for path in paths:
        check_writable(path, force)
    temporaries: list[tuple[Path, str]] = []
    created: list[str] = []  # every temporary made, named as it is made (see _write_temporary)
    try:
        for path, content, *own_mode in outputs:
            data = content.encode("utf-8") if isinstance(content, str) else content
            chosen = own_mode[0] if own_mode else mode if mode is not None else _mode_of(Path(path))
            temporaries.append((Path(path), _write_temporary(Path(path), data, chosen, created)))
        _rename_all(temporaries, force)
    except BaseException:
        for tmp in created:  # those renamed into place are gone from here (undone by _rename_all if need be)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    return paths


def _mode_of(path: Path) -> int | None:
    """The permission bits of the regular file at ``path`` (a --force replacement keeps them), else None.

    Why: ``sign decl.json`` (in place) or ``declare ... -o decl.json --force`` over a declaration
    the user had made private (chmod 600) wrote the new one 0644: readable by everyone, exit 0.
    """
    try:
        info = path.stat()
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) & 0o777 if stat.S_ISREG(info.st_mode) else None


#: link() errors that mean "this file system has no hard links" (then the rename is used, after the check)
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}


def _place(tmp: str, path: Path) -> bool:
    """Put the temporary at ``path`` only if nothing is there (no --force); False if links are unsupported.

    Why not a rename: a rename replaces whatever appeared at ``path`` since check_writable looked
    (another run writing the same output, hours into a batch), with exit 0.  ``link`` fails if the
    name exists, in one step; the temporary's name is then removed.
    """
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputExistsError("output file exists (it appeared while this command ran); it was not replaced",
                                file=path, expected="another path, or --force to overwrite") from None
    except OSError as exc:
        if exc.errno in _NO_HARD_LINKS:
            return False
        raise _write_error(exc, path) from None
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    return True


def _rename_all(temporaries: list[tuple[Path, str]], force: bool = True) -> None:
    """Rename each temporary onto its target (without ``force``, only where nothing is there); on a failure
    undo the renames already done."""
    done: list[tuple[Path, str | None]] = []  # target, backup of the file it replaced (a hard link)
    with _signals_held():
        try:
            for path, tmp in temporaries:
                if not force and _place(tmp, path):
                    done.append((path, None))
                    continue
                backup = None
                if len(temporaries) > 1 and path.exists():
                    backup = tmp + ".old"
                    try:
                        os.link(path, backup)  # keeps the old file's content alive for an undo
                    except OSError:
                        backup = None
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    if backup:
                        with contextlib.suppress(OSError):
                            os.unlink(backup)
                    raise _write_error(exc, path) from None
                done.append((path, backup))
        except BaseException:
            for path, backup in reversed(done):
                with contextlib.suppress(OSError):
                    if backup:
                        os.replace(backup, path)
                    else:
                        os.unlink(path)
            raise
        for _path, backup in done:
            if backup:
                with contextlib.suppress(OSError):
                    os.unlink(backup)


def write_atomic(path: Path, content: str | bytes, *, force: bool, mode: int | None = None) -> Path:
    """Write via a temporary file in the same directory and rename, so no reader sees half a file."""
    return write_outputs([(Path(path), content)], force=force, mode=mode)[0]


def write_with_transaction(path: Path, write: Callable[[], Any], transaction: ContextManager[Any], *, force: bool,
                           on_commit: Callable[[], Any] | None = None,
                           on_undo: Callable[[BaseException], Any] | None = None) -> None:
    """Run ``write`` (which puts one file at ``path``) inside ``transaction``: the file stays if, and only if,
    the transaction commits.

    ``transaction`` is a context manager whose exit commits (footprint.market.registry.Register.adding);
    the object it yields says whether it did by a ``committed`` attribute set right after the commit, so
    an exception raised after that (a Ctrl-C, a connection that fails to close) never takes back the file
    of a committed record.  A commit that fails takes the file back: removed, or (with ``force``) the file
    it replaced put back, from a hard link made before the write; then ``on_undo(exc)`` (to say so) and the
    exception goes on.  ``on_commit`` (the caller's bookkeeping: "this row is written and registered") runs
    once the commit is known to have happened, even when an exception follows it.

    Why: the file was taken back on any exception after the write, and a Ctrl-C or SIGTERM that arrived
    after the register's commit but before its ``with`` block had fully exited removed the file of a row
    the register kept (data lost, exit 130).  And the rename's own hold (_rename_all) delivered a Ctrl-C
    right after it, before the caller knew the file was there: the register rolled back and the file
    stayed, unregistered.  So SIGINT, SIGTERM and SIGHUP are held (_signals_held) from just before the
    write to the end of the bookkeeping or the undo, and delivered then: the interruption still ends the
    run, with file and record both there or both absent.  Not held before: the transaction's start may
    wait for a lock (SQLite up to 30 s, a PostgreSQL table lock without limit), and Ctrl-C works there.
    """
    path = Path(path)
    state = None
    with contextlib.ExitStack() as held:
        kept: str | None = None
        placed = False
        try:
            with transaction as state:
                held.enter_context(_signals_held())
                kept = _hard_link_copy(path) if force else None
                write()
                placed = True
        except BaseException as exc:
            if getattr(state, "committed", False):
                if on_commit is not None:
                    on_commit()
            elif placed:
                _take_back(path, kept)
                kept = None
                if on_undo is not None:
                    on_undo(exc)
            raise
        finally:
            if kept is not None:
                with contextlib.suppress(OSError):
                    os.unlink(kept)
        if on_commit is not None:
            on_commit()


def _hard_link_copy(path: Path) -> str | None:
    """A hidden copy beside the regular file at ``path`` (a hard link), so a write that replaces it can be undone.

    A link, not a copy: instant, and the same bytes whatever the size.  Where the file system has no
    hard links (_NO_HARD_LINKS), a copy: without one, the undo of a --force write could only remove
    the new file, and the older file it replaced (perhaps a registered declaration's) was lost with
    it.  None where there is no file, or no copy could be made.
    """
    if not path.is_file():
        return None
    copy = os.path.join(path.parent, f".{_short_name(path.name)}.{secrets.token_hex(4)}.kept")
    try:
        os.link(path, copy)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            return None
        import shutil

        try:
            shutil.copy2(path, copy)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(copy)
            return None
    return copy


def _take_back(path: Path, kept: str | None) -> None:
    """Undo a write at ``path``: the file it replaced put back from ``kept``, else the written file removed."""
    with contextlib.suppress(OSError):
        if kept is not None:
            os.replace(kept, path)
        else:
            os.unlink(path)
