"""Pointing a rule's input kinds at datasets of an imported database (ecoinvent, USLCI, ...).

A producer who licenses ecoinvent wants its electricity and acid datasets, not
footprint's screening ones.  A mapping file says, per input kind of the rule
(``electricity``, ``hydrochloric-acid``) or per footprint dataset code
(``electricity/CN-NM``), which dataset of an imported database replaces it::

    database: ecoinvent-3.10          # default database of the entries (else --background)
    map:
      electricity: {code: 0a1b2c...}                        # by code
      hydrochloric-acid:                                    # or by name, location, unit
        name: market for hydrochloric acid, without water, in 30% solution state
        location: RoW
        unit: kilogram
      chemical/sulphuric-acid: {database: other-db, code: ..., dqr: {TeR: 2, GeR: 3, TiR: 2, P: 2}}
      electricity/CN-NM:
        code: 9f8e7d...
        gaps:                                               # what the dataset is known to miss
          - categories: [climate_change]
            flows: CH4 and N2O of the coal burned
            reason: only the fossil CO2 was inventoried

An entry's optional ``gaps`` states what the imported dataset misses, in the shape a library
dataset states it (inventories/README.md: categories, flows, reason): the dataset is then
"partial" in those categories, with the reason, wherever its score gives a value there (a
zero score stays "none" whatever is stated: a statement only narrows the score reading).

An entry's optional ``dqr`` rates the imported dataset (PEF criteria); each mapped
contribution is then rated, per criterion, as the mean of the activity datum and
the dataset, as for footprint's own datasets (its GeR re-scored where it is used from
the dataset's location, never better than the entry's: engine.quality.imported_in_context).
Without it the contribution rests on
the activity datum alone, and the declaration says so.

Everything not mapped keeps footprint's open datasets.  This module only resolves
keys (input kind or dataset code -> imported dataset); it knows no product system.
footprint.engine.mapping retargets a built product system's flows (amounts converted
to the imported dataset's unit), so the rule, the activity data and the system
builder stay unchanged; the calculation reads several background databases at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from footprint._io import load_yaml_hashed, refuse_unknown_keys
from footprint.data.inventory import BACKGROUND_DB, Gap
from footprint.errors import FootprintError
from footprint.inputs.dqr import DQR


class MappingError(FootprintError):
    """A background mapping file is malformed or points at nothing."""


@dataclass(frozen=True)
class Target:
    """One dataset of an imported database: where the calculation points a mapped flow."""

    database: str
    code: str  # the node the flow enters (the product node for process/product databases)
    name: str
    location: str
    unit: str
    dqr: DQR | None = None

    @property
    def key(self) -> str:
        return f"{self.database}::{self.code}"


@dataclass
class BackgroundMapping:
    """A resolved mapping: per input kind and per footprint dataset code, the target dataset."""

    path: Path
    sha256: str
    kinds: dict[str, Target] = field(default_factory=dict)
    codes: dict[str, Target] = field(default_factory=dict)
    #: target key -> the gaps its entries state (``gaps``): every entry pointing at the dataset counts, so a
    #: gap stated on one of two entries naming the same dataset is never read away by the other
    gaps: dict[str, list[Gap]] = field(default_factory=dict)

    def entries_of(self, key: str) -> list[str]:
        """The entry keys (input kinds, dataset codes) that point at the imported dataset ``key``."""
        return sorted(name for name, target in {**self.kinds, **self.codes}.items() if target.key == key)

    @property
    def databases(self) -> list[str]:
        return sorted({t.database for t in (*self.kinds.values(), *self.codes.values())})

    def target(self, dataset_code: str, kind: str | None) -> Target | None:
        """The imported dataset replacing ``dataset_code`` (a dataset code wins over an input kind)."""
        return self.codes.get(dataset_code) or (self.kinds.get(kind) if kind else None)

    @staticmethod
    def entry(target: Target) -> dict[str, str]:
        """What the declaration records of one resolved entry (footprint.engine.mapping.map_system)."""
        return {"database": target.database, "code": target.code, "name": target.name,
                "location": target.location, "unit": target.unit}


PROCESS_TYPES = ("process", "processwithreferenceproduct", None, "")

#: the keys a mapping file and each of its entries may give; any other key (``locaton: RoW``, ``geography``,
#: ``amount``) would be read and ignored, so the entry would pick a dataset the user did not describe
FILE_KEYS = ("database", "map", "description")
ENTRY_KEYS = ("code", "name", "location", "unit", "reference product", "database", "dqr", "note", "gaps")
#: the keys of one stated gap: those of a library dataset's ``gaps`` (footprint.data.inventory.Gap)
GAP_KEYS = ("categories", "flows", "reason")
GAPS_EXPECTED = ("a list of {categories: [category ids], flows: the flows it misses, reason: why}, as a library "
                 "dataset states its gaps (inventories/README.md)")


def stated_gaps(raw, path: Path, where: str) -> list[Gap]:
    """An entry's ``gaps``: what the imported dataset is known to miss, in a library dataset's shape.

    Why: an imported dataset counted as complete in every category its score is not zero in, so a
    user-built import with only fossil CO2 read "complete" for climate change, exit 0, and the entry
    had no way to say otherwise.  Each gap names the categories (coverage ids), the flows missing and
    the reason, all three required: a gap without a reason or with an unknown category would narrow
    nothing the reader can check, so it is refused naming the field (exit 2), never read half.
    """
    from footprint.inputs.categories import COVERAGE_IDS

    if not isinstance(raw, list) or not raw:
        raise MappingError("'gaps' must be a non-empty list (leave it out where the dataset states no gap)",
                           file=path, field=where, value=raw, expected=GAPS_EXPECTED)
    gaps = []
    for index, item in enumerate(raw):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise MappingError("a stated gap must be a mapping", file=path, field=at, value=item,
                               expected=GAPS_EXPECTED)
        refuse_unknown_keys(item, GAP_KEYS, MappingError, file=path, where=at, what="unknown key in a stated gap")
        categories = item.get("categories")
        if isinstance(categories, str):
            categories = [categories]
        if not isinstance(categories, list) or not categories:
            raise MappingError("a stated gap needs the categories it holds for", file=path, field=f"{at}.categories",
                               value=item.get("categories"), expected=f"a list of ids from {list(COVERAGE_IDS)}")
        for position, category in enumerate(categories):
            if category not in COVERAGE_IDS:
                import difflib

                close = difflib.get_close_matches(str(category), COVERAGE_IDS, n=3, cutoff=0.5)
                raise MappingError("unknown impact category", file=path, field=f"{at}.categories[{position}]",
                                   value=category, expected=(f"nearest: {', '.join(close)}; " if close else "")
                                                            + f"one of {list(COVERAGE_IDS)}")
        for key, what in (("flows", "the flows the dataset misses (names or a group: 'CH4 and N2O')"),
                          ("reason", "why they are missing (what the import holds, what was searched)")):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                raise MappingError(f"a stated gap needs its {key}", file=path, field=f"{at}.{key}", value=value,
                                   expected=f"a non-empty text: {what}")
        gaps.append(Gap(categories=list(categories), flows=item["flows"].strip(), reason=item["reason"].strip()))
    return gaps


@dataclass
class NodeIndex:
    """One database's nodes indexed by code and by name, read once per background version.

    Only the plain columns are read (code, name, location, type, reference product); a
    node's pickled data (for its unit) and its production exchange are read for the few
    nodes a mapping entry hits.  Resolving a mapping is then a few dictionary lookups, at
    any database size (reading and unpickling the whole table per entry took 19 s at
    100,000 processes).
    """

    database: str
    by_code: dict[str, dict] = field(default_factory=dict)
    by_name: dict[str, list[dict]] = field(default_factory=dict)  # processes only

    @classmethod
    def read(cls, database: str) -> "NodeIndex":
        from bw2data.backends import ActivityDataset as AD

        index = cls(database)
        query = (AD.select(AD.id, AD.code, AD.name, AD.location, AD.type, AD.product)
                 .where(AD.database == database).tuples())
        for node_id, code, name, location, kind, product in query:
            node = {"id": node_id, "code": code, "name": name, "location": location, "type": kind,
                    "reference product": product or ""}
            index.by_code[code] = node
            if kind in PROCESS_TYPES:
                index.by_name.setdefault(name, []).append(node)
        return index

    def unit(self, node: dict) -> str:
        if "unit" not in node:
            from bw2data.backends import ActivityDataset as AD

            data = AD.select(AD.data).where(AD.id == node["id"]).scalar() or {}
            node["unit"] = data.get("unit", "")
        return node["unit"]

    def product_of(self, node: dict) -> dict:
        """The node a technosphere input enters: the process itself, or the product it makes."""
        if "product_node" not in node:
            from bw2data.backends import ExchangeDataset as ED

            query = (ED.select(ED.input_code).where((ED.output_database == self.database)
                                                    & (ED.output_code == node["code"]) & (ED.type == "production")
                                                    & (ED.input_database == self.database)).tuples())
            codes = [code for (code,) in query if code != node["code"] and code in self.by_code]
            node["product_node"] = self.by_code[codes[0]] if codes else node
        return node["product_node"]

    def reference_amount(self, node: dict) -> float:
        """The amount of its reference product ``node`` makes per unit of operation (1 if it names none).

        Brightway divides a demand by it, so a dataset per 1000 kg needs no conversion; but
        a negative amount (ecoinvent's waste-treatment convention) turns a bought input
        into a negative footprint, and zero makes the technosphere matrix singular.
        """
        if "reference_amount" not in node:
            from bw2data.backends import ExchangeDataset as ED

            product = self.product_of(node)
            query = (ED.select(ED.data).where((ED.output_database == self.database)
                                              & (ED.output_code == node["code"]) & (ED.type == "production")
                                              & (ED.input_database == self.database)
                                              & (ED.input_code == product["code"])).tuples())
            amounts = [float((data or {}).get("amount", 1.0)) for (data,) in query]
            node["reference_amount"] = sum(amounts) if amounts else 1.0
        return node["reference_amount"]


def node_index(database: str, version: str) -> NodeIndex:
    """The index of ``database`` under background ``version`` (footprint.data.project.background_version)."""
    from footprint.data import warm

    return warm.cached(version, ("node-index", database), lambda: NodeIndex.read(database))


def _match(database: str, entry: dict, index: NodeIndex, path: Path, where: str) -> Target:
    if "code" in entry:
        hit = index.by_code.get(str(entry["code"]))
        if hit is None:
            raise MappingError("no dataset with this code", file=path, field=f"{where}.code", value=entry["code"],
                               expected=f"a code of database '{database}'")
        # a code with a name, location, ... that describe another dataset: which one did the user mean?
        for key in ("name", "location", "reference product", "unit"):
            actual = index.unit(hit) if key == "unit" else hit[key]
            if key in entry and str(entry[key]) != (actual or ""):
                raise MappingError(f"the dataset with this code has another {key}", file=path, field=f"{where}.{key}",
                                   value=entry[key], expected=f"'{actual}' (code {entry['code']}), or no {key}")
    else:
        hits = list(index.by_name.get(entry["name"], []))
        for key in ("location", "reference product"):
            if key in entry:
                hits = [n for n in hits if n[key] == str(entry[key])]
        if "unit" in entry:
            hits = [n for n in hits if index.unit(n) == str(entry["unit"])]
        if len(hits) != 1:
            import difflib

            named = hits or index.by_name.get(entry["name"], [])
            if named:  # the name exists: say what tells its datasets apart (a location that does not exist, ...)
                shown = [f"location {n['location']}, unit {index.unit(n)}, reference product '{n['reference product']}'"
                         for n in named[:6]]
                hint = "; datasets of this name: " + " | ".join(shown) + (" | ..." if len(named) > 6 else "")
            else:
                close = difflib.get_close_matches(str(entry["name"]), sorted(index.by_name), n=3, cutoff=0.5)
                hint = f"; closest names: {', '.join(close)}" if close else ""
            what = "no dataset matches" if not hits else f"{len(hits)} datasets match (add location/unit)"
            raise MappingError(what, file=path, field=where, value=entry["name"],
                               expected=f"exactly one dataset of '{database}'" + hint)
        hit = hits[0]
    amount = index.reference_amount(hit)
    if not amount > 0:  # NaN too
        what = ("a waste-treatment dataset (negative reference amount, ecoinvent's convention): footprint's "
                "inputs are products and services bought, and Brightway would subtract it" if amount < 0
                else "a dataset producing nothing (reference amount 0): Brightway cannot solve it")
        raise MappingError(what, file=path, field=where, value=f"{hit['name']} [{hit['location']}]: "
                                                                f"reference amount {amount:g}",
                           expected="a production or market dataset with a positive reference amount")
    node = index.product_of(hit)
    unit = index.unit(hit) or index.unit(node)
    return Target(database=database, code=node["code"], name=hit["name"], location=hit["location"] or "",
                  unit=unit)


def load_mapping(path: str | Path, background: str | None = None) -> BackgroundMapping:
    """Read a mapping file and resolve every entry in the project (error names file and entry)."""
    from footprint.data.imports import database_info
    from footprint.data.project import brightway

    path = Path(path)
    raw, sha256 = load_yaml_hashed(path, MappingError)  # the hash of the bytes parsed, not of a second read
    if not isinstance(raw, dict) or not isinstance(raw.get("map"), dict) or not raw["map"]:
        raise MappingError("a mapping file needs a non-empty 'map'", file=path, field="map",
                           expected="map: {INPUT-KIND or DATASET-CODE: {code: ...} or {name:, location:, unit:}}")
    refuse_unknown_keys(raw, FILE_KEYS, MappingError, file=path)
    default = raw.get("database") or background
    from footprint.data.project import background_version

    brightway()
    version = background_version()
    mapping = BackgroundMapping(path=path, sha256=sha256)
    for key, entry in raw["map"].items():
        where = f"map.{key}"
        if not isinstance(entry, dict) or not ("code" in entry or "name" in entry):
            raise MappingError("an entry needs 'code' or 'name'", file=path, field=where, value=entry,
                               expected="{code: ...} or {name: ..., location: ..., unit: ...}")
        refuse_unknown_keys(entry, ENTRY_KEYS, MappingError, file=path, where=where,
                            what="unknown key in a mapping entry")
        database = entry.get("database") or default
        if not database:
            raise MappingError("no database for this entry", file=path, field=f"{where}.database",
                               expected="'database:' in the entry or the file, or --background NAME")
        if database == BACKGROUND_DB:
            raise MappingError("the open library is the default; map to an imported database", file=path,
                               field=f"{where}.database", value=database)
        database_info(database)  # raises with the list of imported databases
        target = _match(database, entry, node_index(database, version), path, where)
        if entry.get("dqr") is not None:
            from pydantic import ValidationError

            try:
                target = replace(target, dqr=DQR.model_validate(entry["dqr"]))
            except ValidationError:
                raise MappingError("dqr must give TeR, GeR, TiR and P between 1 and 5", file=path,
                                   field=f"{where}.dqr", value=entry["dqr"]) from None
        if "gaps" in entry:
            stated = mapping.gaps.setdefault(target.key, [])
            stated.extend(gap for gap in stated_gaps(entry["gaps"], path, f"{where}.gaps") if gap not in stated)
        (mapping.codes if "/" in str(key) else mapping.kinds)[str(key)] = target
    return mapping
