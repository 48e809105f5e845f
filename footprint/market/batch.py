"""Many declarations in one run: a manifest of rows, one process or a Dask cluster, one outcome per row.

A three-year revision recomputes every declaration on the market under the new rule,
background or method version: tens of thousands of rows.  This module runs such a batch
and knows nothing of how one row is computed: the caller (footprint.api) hands it a
*task*, a module-level function that turns a chunk of rows into one outcome per row and
never raises for a row's own error.  So the market wing stays above the calculation
(it never imports the engine) and the same task runs in this process or on Dask workers.

Guarantees, whichever scheduler runs it:

* every row gets exactly one outcome: a row's error (bad input, a refused declaration)
  is reported for that row and never stops the others; a chunk whose worker died is
  retried by Dask on another worker (``retries``), and an outcome that arrives twice
  (a retried chunk whose first run did finish) is kept once;
* the caller's ``on_outcome`` runs in this process, once per row, in row order on every
  scheduler (chunks are handed on in submission order, not as they complete): it writes
  outputs and streams entries into the register, so a retried chunk never writes a file
  twice, a worker never needs the register, and what the register keeps of two rows of one
  facility and period is the serial run's;
* every chunk carries the background identity of the submitting process, and a worker
  whose set-up differs refuses the rows instead of computing them on another background.
"""
from __future__ import annotations

import csv
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from footprint._io import load_yaml, names_a_folder, read_text
from footprint.errors import FootprintError

MANIFEST_COLUMNS = ("rule", "data", "output")
OPTIONAL_COLUMNS = ("allocation", "mapping", "background", "mass_kg", "year", "supplier_keys", "strict", "uncertainty",
                    "seed")
PATH_COLUMNS = ("data", "output", "mapping", "supplier_keys")
DEFAULT_WORKERS = 2
PROGRESS_FROM = 20  # rows: shorter runs print no progress bar


class BatchError(FootprintError):
    """A manifest that cannot be read at all, or a scheduler that cannot be reached (exit 2)."""


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch that had already written rows; the message says how many (the CLI prints it)."""


@dataclass(frozen=True)
class Row:
    """One declaration to compute: the manifest's row ``number`` (1 = the first data row)."""

    number: int
    rule: str = ""
    data: str = ""
    output: str | None = None
    allocation: str | None = None
    mapping: str | None = None
    background: str | None = None
    mass_kg: float | None = None
    year: int | None = None
    supplier_keys: str | None = None  # the row's own trusted-keys file (overrides the run's --supplier-keys)
    # declare's --strict, --uncertainty N and --seed S for this row; None: the run's option (api._with_run_options)
    strict: bool | None = None
    uncertainty: int | None = None
    seed: int | None = None
    problem: str | None = None  # what is wrong with the row itself (reported without computing it)
    # the trusted keys this row's suppliers must be signed with, read once before the run (TrustedKeys.read)
    trusted: TrustedKeys | None = field(default=None, compare=False, repr=False)
    # batch verify: the declaration parsed once, here, and handed to the worker (never read twice)
    document: dict | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TrustedKeys:
    """A trusted-keys file (--supplier-keys) read once, before any row runs, carried to the workers as raw bytes.

    Why read here and not where the row runs: a key file edited during a long run (or a copy that
    differs on a cluster machine) would otherwise give earlier and later rows different trust
    without a word; read once, every row is held to the file as it was when the run started, and
    a worker needs no copy of it.  Why raw bytes: the key objects do not pickle (Dask, the pool).
    ``file`` is the name the messages give, as a single ``declare --supplier-keys FILE`` gives it.
    """

    file: str
    raw: tuple[tuple[str, bytes], ...]  # (key id, the 32 raw bytes of the Ed25519 public key)

    @classmethod
    def read(cls, path: str | Path) -> TrustedKeys:
        """The keys of ``path``; a missing, unreadable or malformed file is a SignatureError naming it."""
        from cryptography.hazmat.primitives import serialization

        from footprint.declaration.signing import load_public_keys

        keys = load_public_keys(path)
        return cls(str(path), tuple((kid, key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
                                    for kid, key in keys.items()))

    def keys(self) -> dict[str, Any]:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        return {kid: Ed25519PublicKey.from_public_bytes(raw) for kid, raw in self.raw}

    def require_signed(self, suppliers) -> None:
        """signing.require_signed_suppliers with these keys: the same check, the same SignatureError message."""
        from footprint.declaration.signing import require_signed_suppliers

        require_signed_suppliers(suppliers, self.file, self.keys())


def with_trusted_keys(rows: Sequence[Row], supplier_keys: str | Path | None = None) -> list[Row]:
    """The rows, each with the trusted keys it is held to: its own ``supplier_keys`` file, else the run's.

    The run's file is read first and a problem with it is raised (a SignatureError naming the
    file: nothing runs); a row's own file that cannot be used is that row's error.  Each file
    is read once however many rows name it.
    """
    from dataclasses import replace

    default = TrustedKeys.read(supplier_keys) if supplier_keys is not None else None
    read: dict[str, TrustedKeys | FootprintError] = {}
    out = []
    for row in rows:
        if row.problem or not row.supplier_keys:
            out.append(replace(row, trusted=default) if default is not None and not row.problem else row)
            continue
        if row.supplier_keys not in read:
            try:
                read[row.supplier_keys] = TrustedKeys.read(row.supplier_keys)
            except FootprintError as exc:
                read[row.supplier_keys] = exc
        found = read[row.supplier_keys]
        out.append(replace(row, problem=str(found)) if isinstance(found, FootprintError)
                   else replace(row, trusted=found))
    return out


@dataclass
class Outcome:
    """What became of one row: ``ok``, ``differs`` (verify) or ``error``, with the reason."""

    row: int
    status: str
    message: str = ""
    output: str | None = None
    document: dict | None = field(default=None, repr=False)  # the declaration (kept only until written)
    seconds: float = 0.0
    note: str = ""  # what a reader must be told of the row whatever its status (verify: no class, no scheme applied)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Summary:
    """The whole run: one outcome per row, in row order, and how long it took."""

    outcomes: list[Outcome]
    seconds: float
    scheduler: str
    source: str = ""
    signed_by: str | None = None  # batch declare --sign: the key id every written declaration is signed with
    seed: int | None = None  # batch declare --uncertainty without --seed: the one seed drawn for the run's rows

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def text(self, verb: str = "declared") -> str:
        rate = len(self.outcomes) / self.seconds if self.seconds > 0 else math.inf
        parts = [f"{self.count('ok')} {verb}"]
        if self.count("differs"):
            parts.append(f"{self.count('differs')} differ")
        parts.append(f"{self.count('error')} failed")
        return (f"{len(self.outcomes)} rows: " + ", ".join(parts)
                + f" in {self.seconds:.1f} s ({rate:.0f} rows/s, {self.scheduler})")

    def problems(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def errors_csv(self) -> str:
        """The per-row report of every row that is not ok (row, status, output, message)."""
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["row", "status", "output", "message"])
        for outcome in self.problems():
            writer.writerow([outcome.row, outcome.status, outcome.output or "", outcome.message])
        return buffer.getvalue()

    def write_errors(self, path: str | Path, *, force: bool = False) -> Path:
        from footprint._io import write_atomic

        return write_atomic(Path(path), self.errors_csv(), force=force)


# ----------------------------------------------------------------------------- manifests

def is_rule_path(rule: str) -> bool:
    """Whether a row's rule names a file (relative to the manifest) rather than a rule id of the library.

    A YAML suffix in any case, or a directory in it (an id has neither).  Why not '.yaml' alone: a
    rule 'own/Rule.YAML' was taken as an id, so it was looked for from the current directory, not
    the manifest's (another file, or none), while 'declare' takes it as the file it names.
    """
    return rule.lower().endswith((".yaml", ".yml")) or "/" in rule or os.sep in rule


def from_manifest(base: Path, value: str) -> str:
    """A manifest's path ``value`` from the manifest's directory ``base`` (absolute paths are kept).

    Tidied with os.path.normpath, so a '..' is taken from the path as written, not after following a
    symbolic link before it: a manifest reached through a link names its files from there (a reader's
    checkout whose examples/ is a link writes examples/batch/../../out into its own out/).  The
    system (and 'declare' given 'link/../a.yaml') goes up from the link's target instead, so such a
    path can name another file than the shell does (README: Many declarations).
    """
    return value if Path(value).is_absolute() else os.path.normpath(os.path.join(base, value))


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _row(number: int, raw: dict[str, Any], base: Path) -> Row:
    values = {key: _cell(raw.get(key)) for key in (*MANIFEST_COLUMNS, *OPTIONAL_COLUMNS)}
    missing = [key for key in ("rule", "data") if not values[key]]
    if missing:
        return Row(number, problem=f"empty {' and '.join(missing)} (every row needs a rule and a data file)")
    if names_a_folder(values["output"]):  # 'out/' became a file named out once tidied (exit 0)
        return Row(number, rule=values["rule"], data=values["data"],
                   problem=f"output {values['output']!r} names a folder, not a file (expected a file path, e.g. "
                           f"{values['output'].rstrip('/')}/decl.json)")
    for key in PATH_COLUMNS:
        if values[key]:
            values[key] = from_manifest(base, values[key])
    rule = values["rule"]
    if is_rule_path(rule):
        rule = from_manifest(base, rule)  # a rule file beside the manifest; a bare id names rules/ID.yaml
    mass = year = None
    try:
        mass = float(values["mass_kg"]) if values["mass_kg"] else None
        year = int(values["year"]) if values["year"] else None
    except ValueError:
        return Row(number, rule=rule, data=values["data"],
                   problem=f"mass_kg must be a number and year a whole number (got {values['mass_kg']!r}, "
                           f"{values['year']!r})")
    if mass is not None and not (math.isfinite(mass) and mass > 0):
        return Row(number, rule=rule, data=values["data"], problem=f"mass_kg must be > 0 (got {values['mass_kg']})")
    options: dict[str, Any] = {}
    for column in DECLARE_OPTION_COLUMNS:
        try:
            options[column] = _option_cell(column, values[column])
        except ValueError as exc:
            return Row(number, rule=rule, data=values["data"], output=values["output"] or None, problem=str(exc))
    return Row(number, rule=rule, data=values["data"], output=values["output"] or None,
               allocation=values["allocation"] or None, mapping=values["mapping"] or None,
               background=values["background"] or None, mass_kg=mass, year=year,
               supplier_keys=values["supplier_keys"] or None, **options)


#: the columns that set one of declare's options for their row (empty: the run's option)
DECLARE_OPTION_COLUMNS = ("strict", "uncertainty", "seed")
_OPTION_EXPECTED = {"strict": "true or false (empty: the run's --strict)",
                    "uncertainty": "a whole number of Monte Carlo iterations, e.g. 1000 (empty: the run's --uncertainty)",
                    "seed": "a whole number, e.g. 7 (empty: the run's --seed)"}


def _option_cell(column: str, value: str) -> bool | int | None:
    """A strict, uncertainty or seed cell as declare's option, None where empty; anything else a ValueError naming it.

    Read strictly, as the other columns: 'yes', '1', '20.0' or '1_000' are refused rather than
    guessed (a 'yes' read as not strict would declare what --strict refuses, exit 0).  The range of
    a number (iterations from 2, a seed from 0) is declare's own check, made on the row's values
    with the run's options (api._with_run_options), so its message is declare's.
    """
    import re

    if not value:
        return None
    if column == "strict":
        if value.lower() in ("true", "false"):  # 'True' is how a YAML manifest's true reaches here
            return value.lower() == "true"
    elif re.fullmatch(r"-?[0-9]+" if column == "seed" else r"[0-9]+", value):
        return int(value)
    raise ValueError(f"column {column}: got {value[:40]!r}, expected {_OPTION_EXPECTED[column]}")


def _csv_row(number: int, header: list[str], cells: list[str], base: Path) -> Row:
    """Row ``number`` of a CSV manifest: its cells under the header's names (a short row's missing cells empty)."""
    if len(cells) > len(header):
        return Row(number, problem=f"more cells than columns (extra: {','.join(cells[len(header):])[:60]!r}); a "
                                   "comma inside a value needs quotes (\"my,file.yaml\"); numbers take no thousands "
                                   "separator (1500)")
    return _row(number, dict(zip(header, cells)), base)


def read_manifest(path: str | Path) -> list[Row]:
    """The rows of a CSV (header: rule,data,output[,allocation,mapping,background,mass_kg,year,supplier_keys,strict,
    uncertainty,seed]) or YAML manifest.

    A YAML manifest is a list of mappings with the same keys, or ``{rows: [...]}``.  Relative
    paths are relative to the manifest's directory.  A file that cannot be read as a manifest
    is a BatchError; a bad row becomes that row's error and the other rows still run.

    A CSV row's number counts every row after the header, empty ones included, so row N is the
    row a spreadsheet shows as N + 1 (the header is its row 1).  Why: blank lines were skipped
    before numbering, so after one the error report named the row above the one at fault, and a
    user fixed the wrong row.  An empty row (a blank line, or ',,,' where a spreadsheet saved an
    empty row) declares nothing and is skipped, not reported as a row without rule and data.
    """
    path = Path(path)
    base = Path(os.path.abspath(path)).parent  # not resolved: a manifest reached through a link names paths from there
    if path.suffix.lower() in (".yaml", ".yml"):
        raw = load_yaml(path, BatchError)
        if isinstance(raw, dict):
            raw = raw.get("rows")
        if not isinstance(raw, list) or not raw:
            raise BatchError("a YAML manifest is a non-empty list of rows", file=path, field="rows",
                             expected="- {rule: ndpr-oxide, data: a.yaml, output: a.json}")
        rows = []
        for number, entry in enumerate(raw, start=1):
            unknown = sorted(str(k) for k in entry if k not in (*MANIFEST_COLUMNS, *OPTIONAL_COLUMNS)) \
                if isinstance(entry, dict) else []
            if not isinstance(entry, dict):
                rows.append(Row(number, problem=f"a row is a mapping with rule, data, output (got {entry!r:.60})"))
            elif unknown:  # as the CSV header: a misspelt 'allocaton' or 'mass' was ignored without a word
                rows.append(Row(number, problem=f"unknown key(s) {', '.join(unknown)[:80]}; a row takes only "
                                                + ", ".join((*MANIFEST_COLUMNS, *OPTIONAL_COLUMNS))))
            else:
                rows.append(_row(number, entry, base))
        return rows
    import io

    # read_text: a binary or oversized file is a clear error, and the byte-order mark that Excel writes
    # at the start of a "CSV UTF-8" file is dropped (the header's first column was '\ufeffrule')
    text = read_text(path, BatchError, expected="a CSV (or .yaml) file with the header rule,data,output")
    try:
        with io.StringIO(text, newline="") as stream:
            reader = csv.reader(stream)
            header = [h.strip() for h in next(reader, None) or []]
            twice = sorted({h for h in header if header.count(h) > 1})
            if twice:  # csv.DictReader keeps the last cell of a repeated column: mass_kg,...,mass_kg took the 2nd
                raise BatchError(f"column(s) {', '.join(twice)} appear more than once", file=path, field="header",
                                 value=",".join(header)[:80], expected="each column once")
            absent = [c for c in ("rule", "data") if c not in header]
            if absent:
                raise BatchError(f"the manifest's header lacks {', '.join(absent)}", file=path, field="header",
                                 value=",".join(header)[:80],
                                 expected="a CSV header rule,data,output[,allocation,mapping,background,mass_kg,year,"
                                          "supplier_keys,strict,uncertainty,seed]")
            unknown = [h for h in header if h not in (*MANIFEST_COLUMNS, *OPTIONAL_COLUMNS)]
            if unknown:
                raise BatchError(f"unknown column(s) {', '.join(unknown)}", file=path, field="header",
                                 expected="only " + ", ".join((*MANIFEST_COLUMNS, *OPTIONAL_COLUMNS)))
            rows = [_csv_row(number, header, cells, base) for number, cells in enumerate(reader, start=1)
                    if any(cell.strip() for cell in cells)]
    except csv.Error as exc:
        raise BatchError(f"not a CSV manifest: {exc}", file=path,
                         expected="a CSV (or .yaml) file with the header rule,data,output") from None
    if not rows:
        raise BatchError("the manifest has no rows", file=path, expected="one row per declaration")
    return rows


def row_inputs(rows: Sequence[Row]) -> list[tuple[str, Path]]:
    """The files the rows read (activity data, mappings, rule files, trusted keys), each named by its row.

    Outputs are written while other rows are still being computed (on workers, ahead of them): a
    row whose output is another row's input could replace that input before the other row is
    computed (or after: the run depended on timing), so such an output is refused, even with --force.
    """
    found: list[tuple[str, Path]] = []
    for row in rows:
        for what, path in (("activity data", row.data), ("background mapping", row.mapping),
                           ("rule", row.rule if is_rule_path(row.rule) else None),
                           ("supplier keys", row.supplier_keys)):
            if path:
                found.append((f"{what} of row {row.number}", Path(path)))
    return found


# ----------------------------------------------------------------------------- running

Task = Callable[[Sequence[Row], Any], list[Outcome]]


def chunks(rows: Sequence[Row], size: int) -> list[list[Row]]:
    return [list(rows[start:start + size]) for start in range(0, len(rows), size)]


def _progress(total: int, enabled: bool | None, description: str):
    import sys

    if enabled is None:
        enabled = total >= PROGRESS_FROM and sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="row", file=sys.stderr, leave=False)


def run(rows: Sequence[Row], task: Task, context: Any = None, *, scheduler: str | None = None,
        workers: int | None = None, progress: bool | None = None, on_outcome: Callable[[Outcome], None] | None = None,
        description: str = "rows", chunk_size: int | None = None, warm: Callable[[], None] | None = None) -> Summary:
    """Run ``task`` over ``rows`` here (``scheduler`` None), on forked processes here (``workers`` > 1 or
    'processes') or on Dask ('local' or 'tcp://HOST:PORT').

    ``context`` goes with every chunk (the background identity, options); ``on_outcome`` sees
    each row's outcome once, in this process, as it arrives.  ``warm`` runs here once before
    forked workers start (loads what every worker would otherwise load for itself).
    """
    from collections import Counter

    twice = sorted(n for n, times in Counter(row.number for row in rows).items() if times > 1)
    if twice:  # outcomes are matched to rows by number: the second row got the first one's declaration
        raise BatchError(f"row number(s) {', '.join(map(str, twice[:10]))} appear more than once",
                         field="Row.number", value=twice[0],
                         expected="one number per row (declare_many numbers dicts and pairs by position from 1)")
    started = time.perf_counter()
    seen: dict[int, Outcome] = {}
    bar = _progress(len(rows), progress, description)

    def accept(outcome: Outcome) -> None:
        if outcome.row in seen:
            return  # a retried chunk's second answer for a row already handled
        if on_outcome is not None:
            try:
                on_outcome(outcome)
            except FootprintError as exc:
                outcome = Outcome(outcome.row, "error", str(exc), outcome.output)
        outcome.document = None  # written (or not needed): do not keep thousands of documents alive
        seen[outcome.row] = outcome
        if bar is not None:
            bar.update(1)

    for row in rows:
        if row.problem:
            accept(Outcome(row.number, "error", row.problem, row.output))
    todo = [row for row in rows if not row.problem]
    try:
        if runs_here(scheduler):
            label = _run_here(todo, task, context, scheduler, workers, accept, chunk_size, warm)
        else:
            label = _run_dask(todo, task, context, scheduler, workers or DEFAULT_WORKERS, accept, chunk_size)
    finally:
        if bar is not None:
            bar.close()
    for row in rows:  # every row has exactly one outcome (a task that skipped a row is a bug, said so)
        if row.number not in seen:
            seen[row.number] = Outcome(row.number, "error", "no outcome came back for this row", row.output)
    return Summary(outcomes=[seen[row.number] for row in rows], seconds=time.perf_counter() - started,
                   scheduler=label)


def runs_here(scheduler: str | None) -> bool:
    """Whether ``scheduler`` runs the rows in this process or on processes forked from it (not on Dask).

    Forked workers inherit this process's set-up, so only Dask workers need the background guard.
    """
    return scheduler in (None, "", "none", "serial", "processes")


def _run_here(rows: list[Row], task: Task, context: Any, scheduler: str | None, workers: int | None,
              accept: Callable[[Outcome], None], chunk_size: int | None, warm: Callable[[], None] | None = None) -> str:
    """This process, or a pool of forked processes on this machine (footprint.market.pool).

    The pool is used for ``scheduler`` 'processes' or ``workers`` > 1 without a scheduler, and
    only for at least ``pool.POOL_FROM`` rows: a shorter batch runs here, where it is faster.
    """
    from footprint.market import pool

    wanted = 1 if scheduler == "serial" else workers or (pool.default_workers() if scheduler == "processes" else 1)
    if wanted > 1 and len(rows) >= pool.POOL_FROM and pool.available():
        def accept_chunk(chunk: Sequence[Row], outcomes: list[Outcome] | None, failure: str | None) -> None:
            if outcomes is None:
                outcomes = [Outcome(row.number, "error", f"the chunk failed in a worker process ({failure})",
                                    row.output) for row in chunk]
            for outcome in outcomes:
                accept(outcome)

        if warm is not None:
            warm()  # before the fork: the workers inherit it instead of each opening the snapshot again
        pool.run_pool(chunks(rows, chunk_size or pool.chunk_size(len(rows), wanted)), task, context, wanted,
                      accept_chunk)
        return f"{wanted} worker processes on this machine"
    for chunk in chunks(rows, chunk_size or max(1, len(rows))):
        for outcome in task(chunk, context):
            accept(outcome)
    if wanted > 1:
        why = f"fewer than {pool.POOL_FROM} rows" if pool.available() else "no fork on this system"
        return f"this process ({why})"
    return "this process"


def _client(scheduler: str, workers: int):
    """A Dask client: a LocalCluster of ``workers`` processes for 'local', else the cluster at the address."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency
        raise BatchError("Dask distributed is not installed", field="--scheduler", value=scheduler,
                         expected="pip install 'dask[distributed]' (make install does)") from None
    if scheduler == "local":
        from footprint._at_once import AT_ONCE_ENV

        # the workers share this machine's free memory: each Monte Carlo counts on its share (pool.running_at_once)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               env={AT_ONCE_ENV: str(workers)})
        return Client(cluster), cluster, f"Dask LocalCluster, {workers} worker processes"
    if not scheduler.startswith(("tcp://", "tls://", "ucx://")):
        raise BatchError("unknown scheduler", field="--scheduler", value=scheduler,
                         expected="'local' (a LocalCluster on this machine) or a Dask scheduler address "
                                  "tcp://HOST:PORT")
    try:
        client = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise BatchError(f"cannot reach the Dask scheduler: {exc}", field="--scheduler", value=scheduler,
                         expected="a running 'dask scheduler' (see README: market-wide recomputation)") from None
    return client, None, f"Dask cluster at {scheduler}"


def anchored(row: Row) -> Row:
    """``row`` with its relative paths made absolute from this process's current directory.

    Why: a Dask worker opens a row's files from its own current directory, which on a cluster is
    wherever the worker was started.  declare_many(("ndpr-oxide", "data/a.yaml"), scheduler=
    'tcp://...') read the worker's data/a.yaml (another file: other numbers, exit 0) or found none,
    where the serial run reads the submitter's.  Joined, not normalised: the worker resolves '..'
    as this process would.  A manifest's rows are absolute already (read_manifest).
    """
    from dataclasses import replace

    here = os.getcwd()
    changes = {key: os.path.join(here, value) for key in ("data", "output", "mapping", "supplier_keys")
               if (value := getattr(row, key)) and not os.path.isabs(value)}
    # a rule file here, as rule.resolve_rule_path takes it (a path, or a file named like an id in this directory)
    if row.rule and not os.path.isabs(row.rule) and (is_rule_path(row.rule) or os.path.isfile(row.rule)):
        changes["rule"] = os.path.join(here, row.rule)
    return replace(row, **changes) if changes else row


def _run_dask(rows: list[Row], task: Task, context: Any, scheduler: str, workers: int,
              accept: Callable[[Outcome], None], chunk_size: int | None) -> str:
    """The chunks on a Dask cluster, their outcomes handed on in submission (row) order, as the pool's are.

    Why in order, not as chunks complete: what ``accept`` does with an outcome can depend on the
    rows before it (the register keeps the first declaration of a facility and reporting period and
    refuses a later one).  Handed on as completed, a later row that finished first was registered and
    the earlier one refused: the register depended on timing and differed from the serial run.  The
    chunks still run in parallel; a finished chunk's answer waits on the cluster until its turn.
    """
    from footprint.market import pool

    named = {row.number: row.output for row in rows}  # outcomes name the output as the caller did
    rows = [anchored(row) for row in rows]  # a worker's current directory is not this one
    seen_here = {row.number: submitted_files(row) for row in rows}
    client, cluster, label = _client(scheduler, workers)
    try:
        size = chunk_size or pool.chunk_size(len(rows), max(workers, len(client.scheduler_info().get("workers", {}))))
        pieces = chunks(rows, size)
        futures = [(client.submit(task, piece, context, pure=False, retries=3), piece) for piece in pieces]
        for future, piece in futures:  # submission order: outcomes reach the caller as the serial run's do
            try:
                outcomes = future.result()
            except Exception as exc:  # noqa: BLE001 - a chunk that failed on every retry: its rows, not the run
                reason = f"{type(exc).__name__}: {exc}".strip()
                outcomes = [Outcome(row.number, "error", f"the chunk failed on the cluster ({reason[:200]})",
                                    row.output) for row in piece]
            for outcome in outcomes:
                outcome.output = named.get(outcome.row, outcome.output)
                accept(same_files(outcome, seen_here.get(outcome.row, {})))
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return label


#: (what the file is, the row's field, where the declaration records its sha256)
_ROW_FILES = (("rule", "rule", ("rule",)), ("activity data", "data", ("activity_data",)),
              ("background mapping", "mapping", ("background", "mapping")))


def submitted_files(row: Row) -> dict[str, tuple[str, str]]:
    """{row field: (path, sha256)} of the rule, activity data and mapping files as this process reads them.

    A rule id is its file as ``declare`` resolves it (rule.resolve_rule_path).  A file this process
    cannot read as an input (missing, a FIFO or device, too large) is left out: the worker's reading
    refuses it, as the serial run does; opened here, a FIFO named as a row's data file held the whole
    run waiting for a writer.
    """
    import hashlib

    from footprint._io import read_input_bytes
    from footprint.inputs.rule import resolve_rule_path

    found: dict[str, tuple[str, str]] = {}
    for _what, key, _where in _ROW_FILES:
        value = getattr(row, key)
        if not value:
            continue
        try:
            path = resolve_rule_path(value) if key == "rule" else Path(value)
            found[key] = (str(path), hashlib.sha256(read_input_bytes(path, FootprintError)).hexdigest())
        except (FootprintError, OSError):
            continue
    return found


def same_files(outcome: Outcome, seen_here: dict[str, tuple[str, str]]) -> Outcome:
    """``outcome``, or an error where its declaration was computed from other bytes than this process's files.

    Why: a cluster worker reads a row's files at their paths on its own machine (a copy, a mount, its own
    checkout's rules/).  Where its copy differed (an older activity file, a rule copy edited there), the row
    came back as a declaration of other inputs, status ok, exit 0, where the serial run declares these
    files.  The declaration records the sha256 of every file it parsed: compared here, no second read.
    """
    document = outcome.document
    if not isinstance(document, dict) or outcome.status != "ok":
        return outcome
    for what, key, where in _ROW_FILES:
        if key not in seen_here:
            continue
        record: Any = document.get("provenance") or {}
        for name in where:
            record = record.get(name) if isinstance(record, dict) else None
        theirs = record.get("sha256") if isinstance(record, dict) else None
        path, ours = seen_here[key]
        if theirs != ours:
            outcome.status, outcome.document = "error", None
            outcome.message = (f"the worker computed this row from another {what} than {path} here (sha256 "
                               f"{str(theirs)[:12]} there, {ours[:12]} here): give every worker the same files "
                               "(see README)")
            return outcome
    return outcome


def guard(context_identity: str, own_identity: Callable[[], str], rows: Iterable[Row]) -> list[Outcome] | None:
    """Outcomes refusing ``rows`` when this process's background is not the submitter's, else None."""
    mine = own_identity()
    if mine == context_identity:
        return None
    (background, _, code), (theirs, _, their_code) = mine.partition("+"), context_identity.partition("+")
    if background != theirs:
        why = (f"this worker's background ({background[:12]}) is not the submitter's ({theirs[:12]}): set "
               "FOOTPRINT_HOME on every worker to the same set-up (see README)")
    else:
        why = (f"this worker runs another footprint (code {code[:12]}) than the submitter ({their_code[:12]}): "
               "install the same footprint on every worker (see README)")
    return [Outcome(row.number, "error", why, row.output) for row in rows]
