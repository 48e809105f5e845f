"""The LCIA methods in Brightway: EF 3.1 as bundled with bw2io, and footprint's sourced CF extensions.

The category vocabulary (ids, EF names, method keys) is ``footprint.inputs.categories``;
this module knows how those methods are written into and read from the project.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from footprint.errors import MethodError
from footprint.inputs.categories import CATEGORIES, EXTENDED_METHOD_NAME, METHOD_NAME

METHOD_VERSION = "3.1"
METHOD_IMPLEMENTATION = "ecoinvent 3.9 LCIA implementation, as bundled with bw2io (lcia_39_ecoinvent.zip)"
#: footprint's documented CF extension (rare-earth ADP factors), kept apart from the bundled method.
EXTENSION_FILE = Path(__file__).parent / "adp-ree-extension.yaml"


def bundled_methods() -> set[tuple[str, str, str]]:
    """Method keys that come straight from bw2io's file (the rest are footprint extensions)."""
    return {c.method for c in CATEGORIES if c.method[0] == METHOD_NAME}


# ----------------------------------------------------------------------------- CF extensions


@dataclass(frozen=True)
class ExtensionFactor:
    """One added characterisation factor: an element, the flows it applies to, its source."""

    element: str
    flows: tuple[tuple[str, tuple[str, ...]], ...]
    cf: float
    unit: str
    source: str


@dataclass(frozen=True)
class CFExtension:
    """A sourced set of CFs added to one bundled method and written under a footprint-owned name.

    Kept as data (not code) so a reviewer reads every added number beside its reference, and
    hashed so a declaration names exactly which factors it used.
    """

    id: str
    version: str
    base_method: tuple[str, str, str]
    method: tuple[str, str, str]
    unit: str
    factors: tuple[ExtensionFactor, ...]
    sha256: str
    path: Path
    searched: tuple[dict, ...] = field(default_factory=tuple)

    def describe(self) -> dict:
        """What a declaration records about the extension (id, version, hash, what it adds)."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256, "method": list(self.method),
                "base_method": list(self.base_method), "factors": len(self.factors),
                "elements": sorted({f.element for f in self.factors}),
                "without_published_factor": sorted({s.get("element", "") for s in self.searched}
                                                   - {f.element for f in self.factors})}


#: the keys an extension file and each of its factors may give (any other would be read and ignored)
EXTENSION_KEYS = ("id", "version", "base_method", "method", "unit", "factors", "searched")
FACTOR_KEYS = ("element", "flows", "cf", "unit", "source", "note")
#: The compartment of every factor the bundled ADP (elements, ultimate reserves) method has: it characterises
#: extraction from the ground, never an emission (tests/test_methods.py checks this against bw2io's file).
RESOURCE_COMPARTMENT = ("natural resource", "in ground")


def load_extension(path: Path | None = None) -> CFExtension:
    """Read and check the extension file (once while it is unchanged); every factor needs flows, a CF and a source."""
    from footprint.data import warm

    path = Path(path or EXTENSION_FILE)
    return warm.by_files(("extension", str(path)), warm.fingerprint([path]), lambda: _read_extension(path))


def _same_method_as_the_category(raw: dict, path: Path) -> None:
    """Refuse an extension whose method, base method or unit is not the one its category reads.

    Why: set-up writes the bundled CFs of ``base_method`` plus the factors under the name in
    ``method``, but the category ``resource_use_minerals_metals`` reads one fixed method
    (footprint.inputs.categories.EXTENDED_METHOD_NAME).  Another ``method`` name was written and
    never read: the category kept the method an earlier set-up had written, while the declaration
    named this file's id and hash (a wrong number, exit 0).  Another ``base_method`` (say climate
    change) would be written under the resource category's name and declared as resource use.
    """
    category = next(c for c in CATEGORIES if c.method[0] == EXTENDED_METHOD_NAME)
    expected = {"method": list(category.method), "base_method": [METHOD_NAME, *category.method[1:]],
                "unit": category.unit}
    for key, wanted in expected.items():
        given = raw[key]
        if (list(given) if isinstance(given, (list, tuple)) else given) != wanted:
            raise MethodError(f"the extension's {key} is not the one the category {category.id} reads", file=path,
                              field=key, value=given, expected=f"{wanted!r} (the {category.id} category's "
                                                               f"{'unit' if key == 'unit' else key.replace('_', ' ')})")


def _read_extension(path: Path) -> CFExtension:
    from footprint._io import load_yaml_hashed, refuse_unknown_keys

    raw, sha256 = load_yaml_hashed(path, MethodError)  # the hash of the bytes parsed, not of a second read
    if not isinstance(raw, dict):
        raise MethodError("a CF extension file must be a mapping", file=path,
                          expected="keys id, version, base_method, method, unit, factors")
    refuse_unknown_keys(raw, EXTENSION_KEYS, MethodError, file=path)  # e.g. 'scale' or a misspelt 'factor'
    for key in ("id", "version", "base_method", "method", "unit", "factors"):
        if key not in raw:
            raise MethodError("missing key", file=path, field=key, expected="see footprint/data/adp-ree-extension.yaml")
    _same_method_as_the_category(raw, path)
    factors = []
    seen: dict[tuple, str] = {}  # flow -> the factor that characterises it
    elements: dict[str, str] = {}  # element -> the factor that characterises it
    for index, item in enumerate(raw["factors"] or []):
        where = f"factors[{index}]"
        if not isinstance(item, dict):
            raise MethodError("a factor must be a mapping", file=path, field=where,
                              expected="element, flows, cf, unit, source")
        refuse_unknown_keys(item, FACTOR_KEYS, MethodError, file=path, where=where,  # e.g. 'cf_per: t'
                            what="unknown key in a factor")
        cf = item.get("cf")
        # NaN passed 'cf <= 0' (every comparison with NaN is false), and so did .inf: set-up wrote them, and a
        # declaration extracting the element was refused as if its ore amounts were of unrealistic size
        if not isinstance(cf, (int, float)) or isinstance(cf, bool) or not math.isfinite(cf) or cf <= 0:
            raise MethodError("characterisation factor must be a positive finite number", file=path,
                              field=f"{where}.cf", value=cf, expected=f"a number in {raw['unit']} per kg")
        source = item.get("source")
        if not isinstance(source, str) or not source.strip():
            raise MethodError("factor without a source", file=path, field=f"{where}.source", value=source,
                              expected="the publication and table the value is transcribed from")
        if item.get("unit", raw["unit"]) != raw["unit"]:
            raise MethodError("factor unit differs from the method unit", file=path, field=f"{where}.unit",
                              value=item.get("unit"), expected=raw["unit"])
        flows = item.get("flows") or []
        if not isinstance(flows, list) or not flows or not all(
                isinstance(f, list) and len(f) == 2 and isinstance(f[0], str)
                and isinstance(f[1], list) and all(isinstance(c, str) for c in f[1]) for f in flows):
            raise MethodError("flows must be a list of [name, [compartment, subcompartment]]", file=path,
                              field=f"{where}.flows", value=flows)
        _in_the_ground(flows, path, where)
        element = _checked_element(item.get("element"), flows, path, where)
        for f_index, (name, categories) in enumerate(flows):  # two CFs for one flow: the last would win silently
            key = (str(name), tuple(categories))
            if key in seen:
                raise MethodError("flow characterised twice", file=path, field=f"{where}.flows[{f_index}]",
                                  value=f"{name} {list(categories)}",
                                  expected=f"each flow in one factor only (already in {seen[key]})")
            seen[key] = where
        if element in elements:  # one element, two values: its kg would score by how the flow is spelt
            raise MethodError("element characterised by two factors", file=path, field=f"{where}.element",
                              value=element, expected=f"one factor per element (already in {elements[element]}); "
                                                      f"list all its flows in that factor")
        elements[element] = where
        factors.append(ExtensionFactor(element=element, cf=float(cf), unit=raw["unit"],
                                       source=str(item["source"]),
                                       flows=tuple((str(n), tuple(c)) for n, c in flows)))
    searched = raw.get("searched") or []
    if not isinstance(searched, list) or not all(isinstance(s, dict) and isinstance(s.get("element"), str)
                                                 for s in searched):
        raise MethodError("'searched' must be a list of mappings, each with the element searched for", file=path,
                          field="searched", value=searched, expected="[{element: Nd, flows: [...], status: ...}]")
    return CFExtension(id=str(raw["id"]), version=str(raw["version"]), base_method=tuple(raw["base_method"]),
                       method=tuple(raw["method"]), unit=str(raw["unit"]), factors=tuple(factors),
                       sha256=sha256, path=path,
                       searched=tuple(searched))


def _in_the_ground(flows: list, path: Path, where: str) -> None:
    """Refuse a flow outside the compartment the resource method characterises (an emission, say).

    Why: 'Scandium' emitted to ground water is a biosphere3 flow the bundled method leaves at zero, so
    neither the element check nor the override check stopped a factor for it: set-up wrote it, and every
    scandium emission was declared as resource use, minerals and metals (kg Sb-eq), exit 0.
    """
    for f_index, (name, categories) in enumerate(flows):
        if tuple(categories) != RESOURCE_COMPARTMENT:
            raise MethodError("the flow is not a resource taken from the ground", file=path,
                              field=f"{where}.flows[{f_index}]", value=f"{name} {list(categories)}",
                              expected=f"a flow in {list(RESOURCE_COMPARTMENT)} (the compartment of every factor of "
                                       f"the bundled ADP method; an emission is not a resource use)")


def _checked_element(element: object, flows: list, path: Path, where: str) -> str:
    """The factor's element, after checking that every flow it lists is a flow of that element.

    A factor is "per kg of element": listing another element's flow (a Dy factor with
    "Neodymium") would characterise that element with this one's value, and a flow naming
    no element ("Iron ore", a mineral) is not a kg of the element.  The element is read
    from the flow's name (footprint.inputs.elements.element_of_flow).
    """
    from footprint.inputs.elements import NAMES, element_of_flow, names_of

    if not isinstance(element, str) or element not in NAMES:
        raise MethodError("factor without an element" if element is None else "a factor's element must be a chemical "
                          "symbol", file=path, field=f"{where}.element",
                          value=element,
                          expected="the chemical symbol of the element the factor is per kg of (Nd, Dy, Pr, ...)")
    names = " or ".join(f"'{name}'" for name in names_of(element))
    for f_index, (name, _categories) in enumerate(flows):
        named = element_of_flow(name)
        if named != element:
            what = (f"the flow is of another element ({named}, {NAMES[named]}) than the factor ({element})" if named
                    else f"the flow names no element (the factor is per kg of {element})")
            raise MethodError(what, file=path, field=f"{where}.flows[{f_index}]", value=name,
                              expected=f"a resource flow of {element}: named {names}, alone or followed by "
                                       f"', ...' (e.g. '{NAMES[element]}, 4% in ...'), or '{element}, ...'")
    return element


def write_extended_method(bd, extension: CFExtension, flows_index: dict, *, name: tuple | None = None) -> int:
    """Write the base method's CFs plus the extension's under ``name`` (default: the extension's).

    The extension adds factors for flows the bundled method leaves at zero; a factor for a flow the
    bundled method already characterises is refused (it would silently replace EF 3.1's value while
    the declaration still names EF 3.1).  Returns the CF count.
    """
    from bw2data.backends import ActivityDataset as AD

    from footprint._io import quiet_stdout
    from footprint.data.inventory import BIOSPHERE_DB, resolve_flow

    name = tuple(name or extension.method)
    base = bd.Method(extension.base_method)
    cfs: dict = {flow: amount for flow, amount in base.load()}
    codes = []
    for index, factor in enumerate(extension.factors):
        for f_index, (flow_name, categories) in enumerate(factor.flows):
            code, _unit = resolve_flow(flows_index, flow_name, categories, file=extension.path,
                                       field=f"factors[{index}].flows")
            codes.append((code, factor.cf, f"factors[{index}].flows[{f_index}]", flow_name, categories))
    if codes:
        ids = {row.code: row.id for row in AD.select(AD.code, AD.id).where(
            (AD.database == BIOSPHERE_DB) & (AD.code.in_([c[0] for c in codes])))}
        bundled = {flow[1] if isinstance(flow, (tuple, list)) else flow: amount for flow, amount in cfs.items()}
        for code, cf, field, flow_name, categories in codes:
            known = bundled.get(code, bundled.get(ids[code]))
            if known is not None:
                raise MethodError("the bundled method already characterises this flow", file=extension.path,
                                  field=field, value=f"{flow_name} {list(categories)}: {known:g} in "
                                  f"{' | '.join(extension.base_method)}",
                                  expected="a flow the bundled method leaves at zero (the extension adds "
                                           "factors; it does not replace EF 3.1's)")
            cfs[ids[code]] = cf
    with quiet_stdout():
        method = bd.Method(name)
        if name in bd.methods:
            method.deregister()
        method.register(unit=extension.unit, description=f"{' | '.join(extension.base_method)} plus footprint "
                        f"extension {extension.id} {extension.version} ({extension.path.name})",
                        extension_sha256=extension.sha256)
        method.write([(flow, amount) for flow, amount in cfs.items()])
    return len(cfs)


# ----------------------------------------------------------------------------- bundled file, supplementary methods


def lcia_zip() -> Path:
    """bw2io's bundled LCIA file (ecoinvent 3.9 implementation), found without importing bw2io.

    Where bw2io is installed is looked up once per process (a declaration asks three times);
    the file's contents are fingerprinted by each caller, as before.
    """
    return _lcia_zip()


@lru_cache(maxsize=1)
def _lcia_zip() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("bw2io")
    if spec is None or spec.origin is None:
        raise MethodError("bw2io is not installed", expected="run 'make install'")
    return Path(spec.origin).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"


def _bundled_methods() -> list[dict]:
    import json
    import zipfile

    with zipfile.ZipFile(lcia_zip()) as archive:
        return json.load(archive.open("data.json"))


def check_category_units(entries: list[dict]) -> None:
    """Refuse set-up when a method in bw2io's file is not in the unit the category table declares it in.

    Why: a declaration states each result in ``Category.unit`` (footprint.inputs.categories), while the
    number comes from the factors bw2io ships; bw2io is allowed to move within 0.9.x, and a release
    that changed a method's unit (mol vs kmol, kg vs g) would be declared under the old unit, exit 0.
    The extended minerals method is checked through its base (the bundled one it copies).
    """
    from footprint.inputs.categories import all_categories

    units = {tuple(entry["name"]): entry.get("unit") for entry in entries}
    for category in all_categories():
        method = category.method
        if method[0] == EXTENDED_METHOD_NAME:
            method = (METHOD_NAME, *method[1:])  # its factors are the bundled method's plus the extension's
        shipped = units.get(tuple(method))
        if shipped is None:
            raise MethodError("method not found in bw2io's bundled LCIA file", file=str(lcia_zip()),
                              field=category.id, value=" | ".join(method), expected="a bw2io version that ships it")
        if shipped != category.unit:
            raise MethodError(f"bw2io's file gives the {category.id} method in another unit than footprint declares "
                              f"it in", file=str(lcia_zip()), field=category.id, value=shipped,
                              expected=f"{category.unit} (footprint.inputs.categories; a bw2io version whose "
                                       f"{' | '.join(method)} is in it)")


def supplementary_sha256() -> str:
    """Identity of the supplementary methods as written: the bundled file plus the category table.

    Hashed once while the file is unchanged (every declaration compares it with the set-up's).
    """
    from footprint.data import warm

    path = lcia_zip()
    return warm.by_files(("supplementary", str(path)), warm.fingerprint([path]), lambda: _supplementary_sha256(path))


def _supplementary_sha256(path: Path) -> str:
    from footprint.inputs.categories import SUPPLEMENTARY

    digest = hashlib.sha256(path.read_bytes())
    for category in SUPPLEMENTARY:
        digest.update("|".join(category.method).encode())
    return digest.hexdigest()


def write_supplementary_methods(bd, state: dict, *, force: bool = False) -> int:
    """Write the supplementary indicators (Crustal Scarcity Indicator 2020) from bw2io's bundled file.

    Set-up calls this beside the EF 3.1 methods: the factors come from the same offline file,
    are written under the method's own name (never mixed into EF 3.1), and the state records a
    hash so a second run writes nothing.  Returns the number of methods written.
    """
    from bw2data.backends import ActivityDataset as AD

    from footprint._io import quiet_stdout
    from footprint.data.inventory import BIOSPHERE_DB
    from footprint.inputs.categories import SUPPLEMENTARY

    wanted = {category.method for category in SUPPLEMENTARY}
    sha = supplementary_sha256()
    if not force and state.get("supplementary_sha256") == sha and all(m in bd.methods for m in wanted):
        return 0
    entries = [m for m in _bundled_methods() if tuple(m["name"]) in wanted]
    missing = wanted - {tuple(m["name"]) for m in entries}
    if missing:
        raise MethodError("supplementary method not found in bw2io's bundled LCIA file", file=str(lcia_zip()),
                          value=" | ".join(sorted(missing)[0]), expected="a bw2io version that ships it")
    ids = {row.code: row.id for row in AD.select(AD.code, AD.id).where(AD.database == BIOSPHERE_DB)}
    with quiet_stdout():
        for entry in entries:
            name = tuple(entry["name"])
            cfs = [(ids[exc["input"][1]], exc["amount"]) for exc in entry["exchanges"]
                   if exc["input"][0] == BIOSPHERE_DB and exc["input"][1] in ids]
            method = bd.Method(name)
            if name in bd.methods:
                method.deregister()
            method.register(unit=entry["unit"], description="supplementary indicator (not EF 3.1), from bw2io's "
                            "bundled lcia_39_ecoinvent.zip", filename=entry.get("filename", ""),
                            supplementary_sha256=sha)
            method.write(cfs)
    state["supplementary_sha256"] = sha
    return len(entries)


# ----------------------------------------------------------------------------- which flows each category sees

CHARACTERISED_CACHE = "characterised-flows-{key}.json"
#: how the table is built (part of its key): change it whenever _characterised computes something else
CHARACTERISED_FORMAT = "2"


def characterised_flows() -> dict[tuple[str, tuple[str, ...]], frozenset[str]]:
    """(flow name, categories) -> the category ids with a non-zero factor for it.

    Computed from the bundled file (EF 3.1 headline categories and the supplementary
    indicators) plus footprint's CF extension, so dataset coverage follows from the flows
    a dataset carries rather than from what its author wrote.  Parsing the file takes a
    second, so the table is kept as JSON under FOOTPRINT_HOME, keyed by the file's hash.
    """
    from footprint.inputs.categories import COVERAGE_IDS, category

    extension = load_extension()
    # the key names everything the table is built from: the file, the extension, and which method each category
    # reads (the ids alone kept a table built for another category -> method mapping, on disk across upgrades)
    mapping = "\n".join(f"{cid}={' | '.join(category(cid).method)}" for cid in COVERAGE_IDS)
    key = hashlib.sha256(kept_file_sha256(lcia_zip()).encode() + extension.sha256.encode()
                         + f"{CHARACTERISED_FORMAT}\n{mapping}".encode()).hexdigest()[:16]
    return _characterised(key, extension.path)


def kept_file_sha256(path: Path) -> str:
    """sha256 of a file, computed once while it is unchanged (bw2io's 0.7 MB LCIA file, the CF extension: asked for
    per declaration)."""
    from footprint.data import warm

    return warm.by_files(("sha256", str(path)), warm.fingerprint([path]),
                         lambda: hashlib.sha256(path.read_bytes()).hexdigest())


@lru_cache(maxsize=4)
def _characterised(key: str, extension_path: Path) -> dict[tuple[str, tuple[str, ...]], frozenset[str]]:
    import json

    from footprint.inputs.categories import COVERAGE_IDS, category
    from footprint.paths import home

    extension = load_extension(extension_path)
    ids = COVERAGE_IDS
    cache = home() / "cache" / CHARACTERISED_CACHE.format(key=key)
    rows = None
    from footprint._io import keep_private_to_writes, read_trusted_cache

    kept = read_trusted_cache(cache)  # coverage claims rest on it: one another user may write is not read
    if kept is not None:
        try:
            rows = json.loads(kept)
        except ValueError:
            rows = None
    if rows is None:
        by_method = {category(cid).method: cid for cid in ids}
        base = tuple(extension.base_method)
        table: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        for entry in _bundled_methods():
            name = tuple(entry["name"])
            cid = by_method.get(name) or (by_method.get(tuple(extension.method)) if name == base else None)
            if cid is None:
                continue
            for exc in entry["exchanges"]:
                if exc.get("amount"):
                    table.setdefault((exc["name"], tuple(exc["categories"])), set()).add(cid)
        minerals = by_method.get(tuple(extension.method))
        for factor in extension.factors:
            for flow in factor.flows:
                if minerals:
                    table.setdefault(flow, set()).add(minerals)
        rows = [[name, list(cats), sorted(cids)] for (name, cats), cids in table.items()]
        from footprint._io import write_atomic
        from footprint.errors import OutputError

        try:  # set-up fills it first (under its lock); written whole, and no temporary left when that fails
            write_atomic(cache, json.dumps(rows), force=True)
            keep_private_to_writes(cache)
        except (OutputError, OSError):  # a read-only home still works, only slower
            pass
    return {(name, tuple(cats)): frozenset(cids) for name, cats, cids in rows}


@lru_cache(maxsize=4)
def bundled_factors(category_id: str) -> tuple[tuple[str, tuple[str, ...], float], ...]:
    """(flow name, categories, CF) of one category as bw2io ships it (read offline from the bundled file)."""
    from footprint.inputs.categories import category

    method = category(category_id).method
    if method[0] != METHOD_NAME and category_id not in ("crustal_scarcity",):
        method = load_extension().base_method  # the extended minerals method: its base is the bundled one
    for entry in _bundled_methods():
        if tuple(entry["name"]) == tuple(method):
            return tuple((exc["name"], tuple(exc["categories"]), float(exc["amount"])) for exc in entry["exchanges"])
    raise MethodError("method not found in bw2io's bundled LCIA file", value=" | ".join(method),
                      expected="a bw2io version that ships EF v3.1")


def water_use_flows() -> list[dict]:
    """What EF 3.1 water use (AWARE) characterises in the bundled implementation, for templates and docs.

    In bw2io's copy only 'Water' emitted to air carries a factor (the same global factor for every
    sub-compartment, no regional factors): water consumption has to be reported as water evaporated
    or otherwise not returned to its basin; withdrawals and returns alone score zero.
    """
    return [{"flow": name, "compartment": "::".join(categories), "cf": cf, "unit": "m3"}
            for name, categories, cf in bundled_factors("water_use")]
