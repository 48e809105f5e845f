"""PACT's ``biogenicCO2Uptake`` of a declaration: exactly zero, exactly the foreground's, or refused.

Why this exists: EF 3.1 as bw2io ships it gives biogenic CO2 uptake no factor ('Carbon dioxide, in
air' from natural resource is in none of the climate-change methods; 'Carbon dioxide, non-fossil' is
not either, the PEF 0/0 convention), so the declared climate change is PACT's
``pcfExcludingBiogenicUptake`` and says nothing of the uptake.  PACT's ``pcfIncludingBiogenicUptake``
is that plus ``biogenicCO2Uptake`` (methodology.md 5.3).  The record wrote the two as equal because the
bundled library carries no uptake flow; a user's own dataset, an imported database or a supplier's
declaration may carry one, and the record then stated a wrong number with exit 0.

What the declaration lets us know exactly:

* its own processes' direct flows (``bill_of_materials.direct_emissions``, per declared unit,
  allocated): their uptake is summed;
* the datasets it used (``provenance.inventories.used_sha256``, with every dataset they draw on): each
  is looked up in the library as it is now and, when its content hash is the recorded one, read for
  uptake flows; none may carry one (its amount per declared unit is not recorded, so not known);
* a supplier's declaration: followed to its file and checked the same way (none may carry uptake);
* an imported background database (``--mapping``): the uptake of what it brings is not recorded
  anywhere in the declaration, so the PACT export is refused.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from footprint.export._errors import ExportError

#: What to do when the uptake cannot be known, said in every refusal.
_EXPECTED = ("a declaration whose datasets carry no biogenic CO2 uptake flow, or the declaration itself (JSON, "
             "report) instead of a PACT record: PACT's pcfIncludingBiogenicUptake needs the uptake, which EF 3.1 "
             "does not characterise and the declaration does not record")


#: the biosphere3 flow that is biogenic CO2 taken up from the air, in kg CO2: only it is summed as uptake
CO2_UPTAKE_FLOWS = ("Carbon dioxide, in air",)


def is_uptake(name: str | None, compartment: Iterable[str] | str | None) -> bool:
    """Whether an elementary flow is biogenic CO2 taken up from the air (PACT's biogenicCO2Uptake).

    biosphere3 names it 'Carbon dioxide, in air' under 'natural resource' ('in air'); any carbon flow
    drawn from nature is counted, so a differently spelt import is caught rather than passed as zero.
    """
    parts = compartment.split("::") if isinstance(compartment, str) else list(compartment or [])
    text = str(name or "").lower()
    return bool(parts) and str(parts[0]).strip().lower() == "natural resource" and "carbon" in text


def foreground_uptake(document: Mapping[str, Any]) -> float:
    """kg CO2 taken up by the declarant's own processes per declared unit (>= 0), from the recorded direct flows."""
    total = 0.0
    bill = document.get("bill_of_materials") or {}
    if not isinstance(bill, Mapping) or not isinstance(bill.get("direct_emissions"), list):
        raise ExportError("the declaration does not record its processes' direct flows, so whether they take up "
                          "biogenic CO2 cannot be checked", field="bill_of_materials.direct_emissions",
                          expected="a declaration made by today's 'footprint declare' (schema 2.0), or the "
                                   "declaration itself instead of a PACT record")
    rows = bill["direct_emissions"]
    for row in rows:
        if not isinstance(row, Mapping) or not is_uptake(row.get("flow"), row.get("compartment")):
            continue
        amount, unit = row.get("amount"), row.get("unit")
        if str(row.get("flow")) not in CO2_UPTAKE_FLOWS:  # e.g. carbon in soil or biomass stock, in kg C: not CO2
            raise ExportError("a direct flow of carbon from nature is not biogenic CO2 uptake as biosphere3 names it, "
                              "so PACT's biogenicCO2Uptake cannot be stated exactly",
                              field="bill_of_materials.direct_emissions",
                              value=f"{row.get('process')}: {row.get('flow')} {amount} {unit}", expected=_EXPECTED)
        if not isinstance(amount, (int, float)) or isinstance(amount, bool) or unit not in ("kilogram", "kg"):
            raise ExportError("a direct biogenic CO2 uptake flow is not in kg, so PACT's biogenicCO2Uptake cannot be "
                              "stated exactly", field="bill_of_materials.direct_emissions",
                              value=f"{row.get('process')}: {row.get('flow')} {amount} {unit}", expected=_EXPECTED)
        total += float(amount)
    return total


def refuse_unknown_uptake(document: Mapping[str, Any], seen: frozenset[str] = frozenset(),
                          catalogue: Any = None) -> None:
    """Refuse a declaration where some input may carry biogenic CO2 uptake the declaration does not record.

    A supplier's declaration is followed to its file (as its provenance names it, content hash checked)
    and must itself pass, with no uptake of its own: what share of a supplier's uptake reaches one
    declared unit here is not recorded, so only none is exact.
    """
    catalogue = catalogue or library_catalogue()  # once for the whole chain of suppliers
    provenance = document.get("provenance") or {}
    for supplier in provenance.get("upstream_declarations") or []:
        _refuse_supplier_with_uptake(supplier if isinstance(supplier, Mapping) else {}, seen, catalogue)
    background = provenance.get("background") or {}
    if isinstance(background, Mapping) and (background.get("mapping") or background.get("imported")):
        raise ExportError("the declaration draws on an imported database (--mapping), whose biogenic CO2 uptake "
                          "it does not record, so PACT's pcfIncludingBiogenicUptake cannot be stated",
                          field="provenance.background", value=str(background.get("database")), expected=_EXPECTED)
    inventories = provenance.get("inventories") or {}
    used = inventories.get("used_sha256")
    if not isinstance(used, Mapping):
        raise ExportError("the declaration does not record the datasets it used with their hashes, so whether they "
                          "carry biogenic CO2 uptake cannot be checked", field="provenance.inventories.used_sha256",
                          expected="a declaration made by today's 'footprint declare' (schema 2.0), or the "
                                   "declaration itself instead of a PACT record")
    _refuse_datasets_with_uptake(used, catalogue)


def library_catalogue() -> Any:
    """The dataset library as it is now, parsed once while none of its files changed (footprint.data.warm).

    Why: every PACT export (``export --format pact``, ``publish``, the host) read and checked the whole
    library again, the largest part of an export, though it changes rarely.  Kept under the fingerprint of
    every dataset file (size, times, inode; the listing kept while no folder changed), as the library's hash
    is (inventory.library_sha256): a file written, replaced, added or removed is read again, and one that
    changed within the clock tick is not kept.  The check stays on the parsed datasets themselves: each one
    used is hashed (``dataset_sha256``) and compared with the declaration's record before its flows are read.
    """
    from footprint.data import warm
    from footprint.data.inventory import load_catalogue
    from footprint.paths import inventories_dirs

    roots = inventories_dirs()
    paths = warm.files_under(roots, ".yaml")
    return warm.by_files(("pact-uptake-catalogue", tuple(map(str, roots))), warm.fingerprint(paths),
                         lambda: load_catalogue(roots))


def _refuse_supplier_with_uptake(supplier: Mapping[str, Any], seen: frozenset[str], catalogue: Any) -> None:
    import json

    from footprint.inputs import upstream
    from footprint.paths import REPO_ROOT

    recorded, sha = str(supplier.get("path") or ""), supplier.get("content_sha256")
    field = "provenance.upstream_declarations"
    path = Path(recorded) if Path(recorded).is_absolute() else REPO_ROOT / recorded
    if not recorded or not path.is_file() or sha in seen:
        raise ExportError("a supplier's declaration this declaration rests on is not found, so whether it carries "
                          "biogenic CO2 uptake cannot be checked", field=field, value=recorded or supplier.get("id"),
                          expected="the supplier's declaration JSON at the path its provenance records (relative to "
                                   "footprint's repository or absolute), or the declaration itself instead of a PACT "
                                   "record")
    read = upstream.read(path)  # refuses a file whose content hash does not match its content
    if read.content_sha256 != sha:
        raise ExportError("the supplier's declaration at the recorded path is not the one declared on, so whether it "
                          "carries biogenic CO2 uptake cannot be checked", file=path, field=f"{field}.content_sha256",
                          value=read.content_sha256, expected=str(sha))
    document = json.loads(path.read_text(encoding="utf-8"))
    if upstream.content_hash(document) != sha:  # changed between the two reads: never check a file not verified
        raise ExportError("the supplier's declaration changed while it was read", file=path,
                          field=f"{field}.content_sha256", expected=str(sha))
    refuse_unknown_uptake(document, seen | {str(sha)}, catalogue)
    if foreground_uptake(document) > 0:
        raise ExportError("a supplier's declaration records biogenic CO2 uptake of its own processes, whose share per "
                          "declared unit of this product is not recorded, so PACT's pcfIncludingBiogenicUptake "
                          "cannot be stated", file=path, field="bill_of_materials.direct_emissions",
                          expected=_EXPECTED)


def _refuse_datasets_with_uptake(used: Mapping[str, Any], catalogue: Any) -> None:
    from footprint.data.inventory import dataset_sha256

    for code, sha in sorted(used.items()):
        dataset = catalogue.datasets.get(code)
        if dataset is None or dataset_sha256(dataset) != sha:
            raise ExportError(f"dataset {code} is not in the inventories as the declaration used it, so whether it "
                              "carries biogenic CO2 uptake cannot be checked",
                              field=f"provenance.inventories.used_sha256.{code}", value=sha,
                              expected="the dataset as declared in the inventories (FOOTPRINT_HOME/inventories or "
                                       "the library), or the declaration itself instead of a PACT record")
        flows = [e for e in dataset.exchanges if e.type == "biosphere" and is_uptake(e.name, e.categories)]
        if flows:
            raise ExportError(f"dataset {code} carries biogenic CO2 uptake ({flows[0].name}), which EF 3.1 does not "
                              "characterise and the declaration does not record per declared unit, so PACT's "
                              "pcfIncludingBiogenicUptake cannot be stated", file=catalogue.files.get(code),
                              field="exchanges", value=f"{flows[0].name} {flows[0].amount} {flows[0].unit}",
                              expected=_EXPECTED)
