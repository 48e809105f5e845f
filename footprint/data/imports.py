"""Importing the databases producers license: EcoSpold2, Brightway Excel, openLCA JSON-LD.

Producers and verifiers run footprint with ecoinvent (EcoSpold2), EF-compliant or
their own datasets (Brightway Excel) or USLCI (openLCA JSON-LD).  bw2io reads
them; this module adds what a declaration needs around it:

* it links elementary flows to ``biosphere3`` (by UUID first, then by name and
  compartment), because footprint characterises biosphere3 flows only;
* it refuses to write anything while an exchange is unlinked, and says which
  exchanges, with the closest biosphere3 or dataset names, so the user can fix
  the source instead of getting a silently smaller footprint;
* the database is written into a new background snapshot (a copy of the current one),
  switched to only when complete: a failed or interrupted write leaves the current
  set-up exactly as it was, and declarations running meanwhile never see half of it;
* it records the source's sha256, format, version and date in the database's
  metadata, which ``footprint declare --background`` copies into the declaration.
"""
from __future__ import annotations

import contextlib
import difflib
import hashlib
import io
import logging
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from footprint import _time  # looked up at call time: the suite replaces _time.utc_now
from footprint.data.inventory import BACKGROUND_DB, BIOSPHERE_DB
from footprint.errors import FootprintError

FORMATS = ("ecospold2", "excel", "jsonld")
RESERVED = {BIOSPHERE_DB, BACKGROUND_DB}
METADATA_KEY = "footprint_import"

#: openLCA / ILCD top-level compartments → biosphere3 compartments.
_COMPARTMENTS = {
    "emission to air": "air", "emissions to air": "air", "air": "air",
    "emission to water": "water", "emissions to water": "water", "water": "water",
    "emission to soil": "soil", "emissions to soil": "soil", "soil": "soil",
    "resource": "natural resource", "resources": "natural resource", "natural resource": "natural resource",
    "in ground": "natural resource",
}


class ImportFailed(FootprintError):
    """A database could not be imported; nothing was written."""


@dataclass
class Unlinked:
    """One exchange with nothing to point at, and what it might have meant."""

    activity: str
    exchange: str
    type: str
    detail: str
    candidates: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        close = f"; closest: {', '.join(self.candidates)}" if self.candidates else "; no close match"
        return f"{self.type} exchange '{self.exchange}' ({self.detail}) in '{self.activity}'{close}"


@dataclass
class ImportReport:
    """What an import did (or would do): counts, source identity, and what did not link."""

    name: str
    format: str
    path: Path
    activities: int = 0
    exchanges: int = 0
    biosphere_relinked: int = 0
    unlinked: list[Unlinked] = field(default_factory=list)
    written: bool = False
    sha256: str = ""
    version: str = ""
    dropped: list[str] = field(default_factory=list)  # removed by bw2io (ecoinvent "known data issues")

    @property
    def ok(self) -> bool:
        return not self.unlinked


def source_sha256(path: Path) -> str:
    """Hash over a file, or over every file of a directory (relative paths and bytes, sorted)."""
    digest = hashlib.sha256()
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update((file.relative_to(path).as_posix() if path.is_dir() else file.name).encode())
        try:
            digest.update(file.read_bytes())
        except OSError as exc:
            raise ImportFailed(f"cannot read the source: {exc.strerror or exc}", file=file,
                               expected="a readable file or directory of the import format") from None
    return digest.hexdigest()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """bw2io prints progress bars and hints; a footprint user sees the report instead."""
    sink = io.StringIO()
    loggers = [logging.getLogger(n) for n in ("bw2io", "bw2data", "stdout_feedback_logger")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _importer(path: Path, fmt: str, name: str, workdir: Path):
    """The bw2io importer for a format, with the database renamed to ``name``."""
    from footprint.data.project import brightway

    _bd, _bc, bi = brightway()
    if fmt == "ecospold2":
        if path.is_file():
            if path.suffix.lower() != ".spold":
                raise ImportFailed("not an EcoSpold2 file", file=path, expected="a .spold file or a directory of them")
            target = workdir / "datasets"
            target.mkdir()
            (target / path.name).write_bytes(path.read_bytes())
            path = target
        if not any(p.suffix.lower() == ".spold" for p in path.iterdir()):
            raise ImportFailed("no .spold files", file=path, expected="a directory of EcoSpold2 (.spold) files")
        return bi.SingleOutputEcospold2Importer(str(path), name, biosphere_database_name=BIOSPHERE_DB,
                                                use_mp=False, add_product_information=False)
    if fmt == "excel":
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise ImportFailed("not an Excel workbook", file=path, expected="a Brightway Excel file (.xlsx)")
        importer = bi.ExcelImporter(str(path))
        importer.db_name = name
        for dataset in importer.data:
            dataset["database"] = name
        return importer
    if fmt == "jsonld":
        from bw2io.importers.json_ld import JSONLDImporter

        if path.is_file():
            if path.suffix.lower() != ".zip":
                raise ImportFailed("not a JSON-LD package", file=path,
                                   expected="an openLCA JSON-LD .zip or an unpacked directory")
            with zipfile.ZipFile(path) as archive:
                archive.extractall(workdir / "jsonld")
            path = workdir / "jsonld"
        if not (path / "processes").is_dir():
            raise ImportFailed("no processes/ folder", file=path,
                               expected="an openLCA JSON-LD export (folders processes/, flows/, ...)")
        return JSONLDImporter(str(path), name)
    raise ImportFailed("unknown format", field="--format", value=fmt, expected=" | ".join(FORMATS))


def _spold_compartments(directory: Path) -> dict[str, tuple[str, ...]]:
    """Elementary flow UUID → (compartment, subcompartment), read from the .spold files.

    bw2io's EcoSpold2 reader keeps only the flow UUID (enough for ecoinvent's own
    flows); a dataset using another flow list needs the compartment to link by name.
    """
    from lxml import etree

    namespace = "{http://www.EcoInvent.org/EcoSpold02}"
    found: dict[str, tuple[str, ...]] = {}
    for file in directory.iterdir():
        if file.suffix.lower() != ".spold":
            continue
        for _event, element in etree.iterparse(str(file), tag=f"{namespace}elementaryExchange"):
            box = element.find(f"{namespace}compartment")
            if box is not None:
                parts = [box.findtext(f"{namespace}compartment"), box.findtext(f"{namespace}subcompartment")]
                found[element.get("elementaryExchangeId")] = tuple(p for p in parts if p)
            element.clear()
    return found


def _technosphere_inputs(importer) -> set[tuple[str, str, str]]:
    """(activity, exchange, linked activity id) of technosphere inputs, to see which ones bw2io deletes.

    bw2io's EcoSpold2 strategies drop inputs without an activity link that nothing in
    the database produces (ecoinvent's "known data issues"); footprint reports them.
    """
    return {(str(d.get("name")), str(e.get("name")), e.get("activity") or "") for d in importer.data
            for e in d.get("exchanges", []) if e.get("type") == "technosphere"}


def _biosphere_rows() -> list[tuple[str, tuple[str, ...], str, str]]:
    from bw2data.backends import ActivityDataset as AD

    return [(row.name, tuple(row.data.get("categories") or ()), row.code, row.data.get("unit", ""))
            for row in AD.select(AD.name, AD.code, AD.data).where(AD.database == BIOSPHERE_DB)]


def _normal_categories(categories) -> tuple[str, ...]:
    """openLCA 'Elementary flows/Emission to air/unspecified' → ('air',); ecoinvent stays as is."""
    parts = [p.strip() for c in (categories or ()) for p in str(c).split("/") if p.strip()]
    parts = [p for p in parts if p.lower() != "elementary flows"]
    if len(parts) > 1 and parts[0].lower() in ("emission", "emissions", "resource", "resources"):
        # FEDEFL (USLCI): 'Elementary Flows/emission/air/...', 'Elementary Flows/resource/ground'
        head = parts[0].lower()
        parts = (["natural resource", "in ground"] + parts[2:] if head.startswith("resource")
                 and parts[1].lower() in ("ground", "in ground") else parts[1:])
    if not parts:
        return ()
    top = _COMPARTMENTS.get(parts[0].lower(), parts[0])
    rest = [p for p in parts[1:] if p.lower() not in ("unspecified", "")]
    if top == "natural resource" and not rest:
        rest = ["in ground"]
    return (top, *rest)


def _link_biosphere(importer, rows) -> int:
    """Point each unlinked elementary exchange at a biosphere3 flow: UUID, then name + compartment.

    EcoSpold2 and openLCA exports of ecoinvent-nomenclature flows carry the biosphere3
    UUID itself; other sources (USLCI's FEDEFL flows, hand-made Excel) only a name and a
    compartment.  A name match must also agree on the unit, else it stays unlinked.
    """
    by_code = {code: (name, cats, unit) for name, cats, code, unit in rows}
    by_name_cats = {(name.lower(), cats): code for name, cats, code, _unit in rows}
    by_name_top: dict[tuple[str, str], list[str]] = {}
    for name, cats, code, _unit in rows:
        if cats:
            by_name_top.setdefault((name.lower(), cats[0]), []).append(code)
    relinked = 0
    for dataset in importer.data:
        for exchange in dataset.get("exchanges", []):
            if exchange.get("type") != "biosphere":
                continue
            current = exchange.get("input")
            if current and current[0] == BIOSPHERE_DB:
                continue
            code = None
            for candidate in (exchange.get("flow"), exchange.get("code"), current[1] if current else None):
                if candidate in by_code:
                    code = candidate
                    break
            name = str(exchange.get("name", "")).lower()
            cats = _normal_categories(exchange.get("categories"))
            if code is None and cats:
                code = by_name_cats.get((name, cats))
                if code is None:
                    options = by_name_top.get((name, cats[0]), [])
                    unspecified = [c for c in options if len(by_code[c][1]) == 1 or by_code[c][1][1:] == ("in ground",)]
                    code = (unspecified or options or [None])[0]
            if code is None:
                exchange.pop("input", None)
                continue
            unit = exchange.get("unit")
            # no unit: 500 of what?  Read as the flow's unit it was a kilogram figure whatever the source meant
            if not unit or (by_code[code][2] and unit != by_code[code][2]):
                exchange.pop("input", None)
                exchange["footprint_unit_mismatch"] = by_code[code][2] or "a unit"
                continue
            exchange["input"] = (BIOSPHERE_DB, code)
            relinked += 1
    return relinked


def _unlinked(importer, rows) -> list[Unlinked]:
    names = sorted({name for name, *_ in rows})
    datasets = sorted({str(d.get("name", "")) for d in importer.data})
    found: list[Unlinked] = []
    for dataset in importer.data:
        for exchange in dataset.get("exchanges", []):
            if exchange.get("input"):
                continue
            kind = exchange.get("type", "?")
            name = str(exchange.get("name", "?"))
            if kind == "biosphere":
                detail = "::".join(_normal_categories(exchange.get("categories"))) or "no compartment"
                if exchange.get("footprint_unit_mismatch"):
                    given = f"unit {exchange['unit']}" if exchange.get("unit") else "no unit"
                    detail += f"; {given} but biosphere3 has {exchange['footprint_unit_mismatch']}"
                pool = names
            else:
                detail = f"{exchange.get('unit', '?')}, {exchange.get('location', '?')}"
                pool = datasets
            found.append(Unlinked(activity=str(dataset.get("name", "?")), exchange=name, type=kind, detail=detail,
                                  candidates=difflib.get_close_matches(name, pool, n=3, cutoff=0.5)))
    return found


def import_database(path: str | Path, fmt: str, name: str | None = None, *, version: str | None = None,
                    replace: bool = False, dry_run: bool = False) -> ImportReport:
    """Import a database offline; write it only if every exchange links (else raise with the list).

    ``dry_run`` checks and reports without writing.  An existing database of the same
    name is kept unless ``replace``; footprint's own databases can never be replaced.
    """
    from footprint.data.project import brightway, require_setup, update_snapshot

    path = Path(path)
    if not path.exists():
        raise ImportFailed("file not found", file=path)
    if fmt not in FORMATS:
        raise ImportFailed("unknown format", field="--format", value=fmt, expected=" | ".join(FORMATS))
    name = name or path.stem
    if name in RESERVED:
        raise ImportFailed("this database name belongs to footprint", field="--name", value=name,
                           expected="another name")
    require_setup()
    bd, _bc, _bi = brightway()
    if name in bd.databases and not replace and not dry_run:
        raise ImportFailed("a database of this name already exists", field="--name", value=name,
                           expected="another --name, or --force to replace it")
    report = ImportReport(name=name, format=fmt, path=path, version=version or "unversioned")
    with tempfile.TemporaryDirectory(prefix="footprint-import-") as work, _quiet():
        try:
            importer = _importer(path, fmt, name, Path(work))
            report.sha256 = source_sha256(path)  # after _importer checked the format: never hash a wrong folder
            before = _technosphere_inputs(importer) if fmt == "ecospold2" else set()
            importer.apply_strategies()
            after = {(a, e) for a, e, _link in _technosphere_inputs(importer)}
            gone = [(a, e, link) for a, e, link in before if (a, e) not in after]
            report.dropped = sorted(f"'{e}' in '{a}'" for a, e, link in gone if not link)
            # an input linked to an activity that is not in the import: bw2io deletes it ("ghost"); we refuse
            ghosts = [Unlinked(activity=a, exchange=e, type="technosphere", detail=f"activity {link} not in the import",
                               candidates=difflib.get_close_matches(e, sorted({str(d.get("name")) for d in
                                                                               importer.data}), n=3, cutoff=0.5))
                      for a, e, link in gone if link]
        except FootprintError:
            raise
        except Exception as exc:  # noqa: BLE001 - bw2io raises anything on malformed input
            raise ImportFailed(f"{fmt} reader failed: {type(exc).__name__}: {exc}", file=path,
                               expected=f"a valid {fmt} source") from None
        if fmt == "jsonld":  # elementary flows go to biosphere3, never to a side database
            side = {flow["code"]: flow for flow in importer.biosphere_database}
            for dataset in importer.data:
                for exchange in dataset.get("exchanges", []):
                    if exchange.get("type") == "biosphere" and exchange.get("code") in side:
                        exchange.setdefault("categories", side[exchange["code"]].get("categories"))
            importer.biosphere_database = []
        if fmt == "ecospold2":
            compartments = _spold_compartments(Path(importer.dirpath))
            for dataset in importer.data:
                for exchange in dataset.get("exchanges", []):
                    if exchange.get("type") == "biosphere" and not exchange.get("categories"):
                        exchange["categories"] = compartments.get(exchange.get("flow"), ())
        rows = _biosphere_rows()
        report.biosphere_relinked = _link_biosphere(importer, rows)
        if fmt == "excel":
            with contextlib.suppress(Exception):
                importer.match_database(fields=("name", "unit", "location", "reference product"))
        report.activities = len(importer.data)
        report.exchanges = sum(len(d.get("exchanges", [])) for d in importer.data)
        report.unlinked = ghosts + _unlinked(importer, rows)
        if report.unlinked:
            shown = "; ".join(str(u) for u in report.unlinked[:8])
            more = f" (and {len(report.unlinked) - 8} more)" if len(report.unlinked) > 8 else ""
            error = ImportFailed(f"{len(report.unlinked)} exchange(s) did not link, nothing was written: "
                                 f"{shown}{more}", file=path,
                                 expected="fix the flow names/compartments (biosphere3, ecoinvent 3.9 "
                                          "nomenclature) or the missing datasets, then import again")
            error.report = report  # type: ignore[attr-defined]
            raise error
        if dry_run:
            return report
        for dataset in importer.data:
            dataset.pop("filename", None)
            for exchange in dataset.get("exchanges", []):
                exchange.pop("footprint_unit_mismatch", None)
        metadata = {"format": fmt, "source": str(path.resolve()), "sha256": report.sha256,
                    "version": report.version, "activities": report.activities,
                    "imported": _time.utc_now().replace(microsecond=0).isoformat()}  # the one clock

        def write(bd) -> None:
            if name in bd.databases:  # --force replaces, in the new snapshot only
                del bd.databases[name]
            importer.write_database(db_name=name, searchable=False)
            bd.databases[name][METADATA_KEY] = metadata
            bd.databases.flush()

        replacing = name in bd.databases
        try:
            update_snapshot(write, reason=f"imported database '{name}'")
        except FootprintError:
            raise
        except Exception as exc:  # noqa: BLE001 - bw2data raises anything; the current set-up is untouched
            raise ImportFailed("writing the database failed and was undone: the set-up is unchanged"
                               + (" (the previous database is kept)" if replacing else "")
                               + f": {type(exc).__name__}: {exc}", file=path) from None
    report.written = True
    return report


def database_info(name: str) -> dict:
    """Name, format, version and sha256 of an imported database, and the hash of what it holds (for the
    declaration)."""
    from footprint.data.project import brightway

    bd, _bc, _bi = brightway()
    if name not in bd.databases:
        raise ImportFailed("no such database in the footprint project", field="--background", value=name,
                           expected="a database imported with 'footprint inventories import' ("
                                    + ", ".join(sorted(n for n in bd.databases if n not in RESERVED)) + ")")
    meta = bd.databases[name].get(METADATA_KEY) or {}
    return {"database": name, "format": meta.get("format", "unknown"), "version": meta.get("version", "unknown"),
            "sha256": meta.get("sha256", ""), "content_sha256": _recorded_content(name),
            "imported": meta.get("imported", "")}


def _recorded_content(name: str) -> str:
    """The content hash the bound snapshot's manifest records for ``name`` (building.imported_databases took it
    when the snapshot was built: a snapshot never changes, so neither does the hash); taken from the database
    itself where nothing recorded it (a scratch copy for tests and benchmarks, which is written in place)."""
    from footprint.data.project import bound_snapshot, brightway

    brightway()  # bound (database_info's caller reads the metadata from the same one)
    snapshot = bound_snapshot()
    recorded = ((snapshot.manifest.get("databases") or {}).get(name) or {}).get("content_sha256")
    return recorded if isinstance(recorded, str) and not snapshot.scratch else content_sha256(name)


def content_sha256(name: str) -> str:
    """SHA-256 of what the imported database ``name`` holds as written: every dataset and every exchange, read
    from the database itself (by code, in sorted order), not from its import metadata.

    Why: ``sha256`` is the hash of the source file as the import metadata states it, and nothing held the
    datasets to it.  An imported acid dataset edited after import (0.1 -> 0.102 kg CO2 per kg) with its
    metadata still naming the clean source declared 44.886 instead of 44.877 kg CO2-Eq/kg, and ``verify
    --tolerance 0.01`` on a machine holding the clean import said verified, exit 0, where a built-in
    dataset so edited fails on ``provenance.inventories.used_sha256`` whatever the tolerance.  This hash is
    recorded beside ``sha256`` and compared exactly.  Taken when a snapshot is built, from the database it
    writes (building.imported_databases), and read from its manifest (a snapshot never changes); it is not
    part of the declaration's id (the source hash and the numbers are).
    """
    import json

    from bw2data.backends import ActivityDataset as AD
    from bw2data.backends import ExchangeDataset as ED

    def text(data) -> str:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)

    digest = hashlib.sha256()
    for code, data in sorted(AD.select(AD.code, AD.data).where(AD.database == name).tuples()):
        digest.update(f"A|{code}|{text(data)}\n".encode("utf-8"))
    for line in sorted(text(data) for (data,) in ED.select(ED.data).where(ED.output_database == name).tuples()):
        digest.update(f"E|{line}\n".encode("utf-8"))
    return digest.hexdigest()
