"""What changed between two versions of a calculation rule, for the people who review rule changes.

A rule change moves declared numbers: a process moved into the boundary, a new
default dataset, a different price basis for economic allocation.  Reviewers
(and producers re-declaring under a new version) need that list grouped the way
they think about a rule: identity, boundary, datasets, allocation, categories,
parameters, sources.  Processes, stages, input kinds and sources are matched by
id and a process moving to another stage is reported as a move.  A list in another
order is reported as ``reordered`` (never as nothing: the file moved, and the
declaration lists its results in the declared categories' order), except where the
engine reads the order (ORDER_MATTERS, the order of processes): that is a change.

Every field of the rule model is compared: the sections above take the fields they
know, and any other top-level field (one added to the model later) is compared as
a parameter, so a new field can never move declared numbers unseen.  A file the
rule points to (the virgin-material declaration of the CFF) is compared by its
content, not only by its path: the same relative path can name two different
declarations when the two rule files lie in different directories.

Each change is marked "affects results", "identity" (the rule's id and version) or
"documentation only" by the field of the rule model it lies in
(footprint/authoring/effects.py, one table), so a reviewer sees which differences can
move a declared result; the summary counts the three.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field as dataclass_field
from typing import Any

from footprint.authoring.effects import DOCUMENTATION, IDENTITY, RESULTS, effect_of, model_field
from footprint.inputs.rule import LoadedRule, Rule, virgin_declaration_summary

SECTIONS = ("identity", "boundary", "datasets", "allocation", "categories", "parameters", "sources")
SECTION_TITLES = {
    "identity": "Identity, declared unit and validity",
    "boundary": "Boundary (stages and processes)",
    "datasets": "Default datasets (input kinds)",
    "allocation": "Allocation",
    "categories": "Impact categories",
    "parameters": "Parameters (cut-off, DQR limits, class scheme, electricity, recycled content, ...)",
    "sources": "Sources",
}
_IDENTITY = ("id", "version", "title", "status", "legal_basis", "crm", "crm_list_version", "validity",
             "declared_unit", "route", "reference_process")
_PARAMETERS = ("electricity", "recycled_content", "cut_off", "dqr_limits", "mass_balance_tolerance", "sampling",
               "conformity_assessment", "class_scheme")
#: top-level fields a section compares by name; every other field of the model is compared as a parameter
#: lists whose order the engine reads: the fallback datasets are tried in order, the first that exists is used, so
#: their reordering changes what a declaration computes; every other list's order is a reordering (below)
ORDER_MATTERS = ("fallback",)
SHOW_WIDTH = 90  # characters of a value on one line of the text diff
_HANDLED = (*_IDENTITY, "stages", "input_kinds", "impact_categories", *_PARAMETERS, "sources")


@dataclass
class Change:
    """One difference: ``kind`` is added, removed, changed, moved or reordered; ``path`` names the field.

    ``reordered``: the same elements in another order, in a list whose order the engine does not compute with
    (the Annex V points, co-products, options, declared categories, sources...); it changes the order a
    declaration lists them in, never a number.  A list whose order the engine reads (ORDER_MATTERS) is
    ``changed``.

    ``loc`` is the change's place in the rule (keys; one part per list element) and gives ``field``, the rule
    model's field it lies in (effects.model_field; None: a key the model does not have), and
    ``effect`` (effects.EFFECTS: 'affects results', 'identity' for the id and version, 'documentation only'
    for titles, descriptions, notes, sources) and ``affects_results`` (the effect is 'affects results').
    """

    section: str
    kind: str
    path: str
    old: Any = None
    new: Any = None
    loc: tuple[str, ...] = dataclass_field(default=(), repr=False)
    field: str | None = dataclass_field(init=False)
    effect: str = dataclass_field(init=False)
    affects_results: bool = dataclass_field(init=False)

    def __post_init__(self) -> None:
        self.field = model_field(self.loc)
        self.effect = effect_of(self.loc)
        self.affects_results = self.effect == RESULTS


def _dump(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(mode="json", by_alias=True)


def _same_elements(old: list, new: list) -> bool:
    """The same elements (with their repeats), whatever the order."""
    import json

    def key(value: Any) -> str:
        return json.dumps(value, sort_keys=True)

    return sorted(map(key, old)) == sorted(map(key, new))


def _reordering(section: str, path: str, old: list, new: list, loc: tuple[str, ...]) -> Change:
    """A list in another order: ``reordered``, or ``changed`` where the engine reads the order (ORDER_MATTERS).

    Why: reported as ``changed`` with its whole old and new value, a reordering read as a change of content
    (which Annex V points? which co-products?); left out, a file that moved read as "no differences"."""
    leaf = path.rsplit(".", 1)[-1]
    return Change(section, "changed" if leaf in ORDER_MATTERS else "reordered", path, old=old, new=new, loc=loc)


def _compare(section: str, path: str, old: Any, new: Any, out: list[Change], loc: tuple[str, ...]) -> None:
    """Recursive comparison of plain JSON values; dicts by key, lists in another order as a reordering,
    everything else as a whole.  ``loc`` is ``path``'s place in the rule (Change.loc)."""
    if old == new:
        return
    if isinstance(old, list) and isinstance(new, list) and _same_elements(old, new):
        out.append(_reordering(section, path, old, new, loc))
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            where = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(Change(section, "removed", where, old=old[key], loc=(*loc, str(key))))
            elif key not in old:
                out.append(Change(section, "added", where, new=new[key], loc=(*loc, str(key))))
            else:
                _compare(section, where, old[key], new[key], out, (*loc, str(key)))
        return
    out.append(Change(section, "changed", path, old=old, new=new, loc=loc))


def _keyed(items: list[dict], key: str = "id") -> dict[str, dict]:
    return {item[key]: item for item in items}


def _processes(rule: dict) -> dict[str, tuple[str, dict]]:
    return {p["id"]: (stage["id"], p) for stage in rule["stages"] for p in stage["processes"]}


def diff(old: Rule, new: Rule) -> list[Change]:
    """Every difference between two rules, grouped by section (in SECTIONS order)."""
    a, b = _dump(old), _dump(new)
    out: list[Change] = []
    for key in _IDENTITY:
        _compare("identity", key, a.get(key), b.get(key), out, (key,))
    # boundary: stages by id, processes by id (allocation reported in its own section)
    stages_a, stages_b = _keyed(a["stages"]), _keyed(b["stages"])
    # lists in file order, never set operations: set order of strings changes from run to run
    for sid in [s for s in stages_a if s not in stages_b]:
        out.append(Change("boundary", "removed", f"stage {sid}", old=stages_a[sid]["label"], loc=("stages", sid)))
    for sid in [s for s in stages_b if s not in stages_a]:
        out.append(Change("boundary", "added", f"stage {sid}", new=stages_b[sid]["label"], loc=("stages", sid)))
    for sid in [s for s in stages_a if s in stages_b]:
        _compare("boundary", f"stage {sid}.label", stages_a[sid]["label"], stages_b[sid]["label"], out,
                 ("stages", sid, "label"))
    procs_a, procs_b = _processes(a), _processes(b)
    for pid, (stage, process) in procs_a.items():
        if pid not in procs_b:
            out.append(Change("boundary", "removed", f"process {pid}", old=f"{process['name']} (stage {stage})",
                              loc=("stages", stage, "processes", pid)))
    for pid, (stage, process) in procs_b.items():
        where = ("stages", stage, "processes", pid)
        if pid not in procs_a:
            out.append(Change("boundary", "added", f"process {pid}",
                              new=f"{process['name']} (stage {stage}; Annex V {', '.join(process['annex_v'])}; "
                                  f"company-specific data {process['company_specific']})", loc=where))
            continue
        old_stage, old_process = procs_a[pid]
        if old_stage != stage:  # in the rule model a process's stage is where it is listed: stages[].processes
            out.append(Change("boundary", "moved", f"process {pid}.stage", old=old_stage, new=stage, loc=where))
        old_body = {k: v for k, v in old_process.items() if k != "allocation"}
        new_body = {k: v for k, v in process.items() if k != "allocation"}
        _compare("boundary", f"process {pid}", old_body, new_body, out, where)
        _compare("allocation", f"process {pid}.allocation", old_process.get("allocation"),
                 process.get("allocation"), out, (*where, "allocation"))
    order_a = [p for p in procs_a if p in procs_b]
    order_b = [p for p in procs_b if p in procs_a]
    if order_a != order_b:
        out.append(Change("boundary", "changed", "process order", old=order_a, new=order_b,
                          loc=("stages", "", "processes")))
    # datasets
    _compare("datasets", "input_kinds", a["input_kinds"], b["input_kinds"], out, ("input_kinds",))
    # categories
    for key in ("declared", "supplementary"):  # lists of ids: each added or removed id is one change
        ids_a, ids_b = a["impact_categories"].get(key) or [], b["impact_categories"].get(key) or []
        where = ("impact_categories", key)
        out += [Change("categories", "removed", f"impact_categories.{key}", old=cid, loc=where) for cid in ids_a
                if cid not in ids_b]
        out += [Change("categories", "added", f"impact_categories.{key}", new=cid, loc=where) for cid in ids_b
                if cid not in ids_a]
        kept_a, kept_b = [c for c in ids_a if c in ids_b], [c for c in ids_b if c in ids_a]
        if kept_a != kept_b:  # the order of the declaration's results
            out.append(_reordering("categories", f"impact_categories.{key}", kept_a, kept_b, where))
    rest_a = {k: v for k, v in a["impact_categories"].items() if k not in ("declared", "supplementary")}
    rest_b = {k: v for k, v in b["impact_categories"].items() if k not in ("declared", "supplementary")}
    _compare("categories", "impact_categories", rest_a, rest_b, out, ("impact_categories",))
    for key in _PARAMETERS:
        _compare("parameters", key, a.get(key), b.get(key), out, (key,))
    # any field no section above knows (a field added to the model later) is still compared
    for key in [k for k in list(a) + [k for k in b if k not in a] if k not in _HANDLED]:
        _compare("parameters", key, a.get(key), b.get(key), out, (key,))
    _compare("sources", "sources", _keyed(a["sources"]), _keyed(b["sources"]), out, ("sources",))
    kept_a = [s["id"] for s in a["sources"] if s["id"] in _keyed(b["sources"])]
    kept_b = [s["id"] for s in b["sources"] if s["id"] in _keyed(a["sources"])]
    if kept_a != kept_b:
        out.append(_reordering("sources", "sources", kept_a, kept_b, ("sources",)))
    rank = {name: index for index, name in enumerate(SECTIONS)}
    return sorted(out, key=lambda c: rank[c.section])  # stable: file order within a section


def _text(value: Any) -> str:
    """A value on one line, in full."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return "[" + ", ".join(str(v) for v in value) + "]"
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _show(value: Any, width: int = SHOW_WIDTH) -> str:
    text = _text(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def _show_pair(old: Any, new: Any, width: int = SHOW_WIDTH) -> tuple[str, str]:
    """Both values cut to ``width`` around their first difference.

    Why: cut from the start, two long values that differ only near their end (a hash, the
    last price of a list, a source's year) printed as the same text on both lines, and the
    reviewer read the change as no change.
    """
    a, b = _text(old), _text(new)
    if len(a) <= width and len(b) <= width:
        return a, b
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, first - width // 3)

    def cut(text: str) -> str:
        part = text[start:]
        head = "..." if start else ""
        room = width - len(head)
        return head + (part if len(part) <= room else part[:room - 3] + "...")

    return cut(a), cut(b)


def _list_delta(old: Any, new: Any) -> str:
    if isinstance(old, list) and isinstance(new, list):
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = ([f"+{_show(v)}" for v in added] + [f"-{_show(v)}" for v in removed])
        if parts and all(not isinstance(v, (dict, list)) for v in old + new):
            return "  (" + ", ".join(parts) + ")"
    return ""


def render(old: LoadedRule, new: LoadedRule, changes: list[Change]) -> str:
    """Grouped, person-readable text: one line per change, old → new."""
    a, b = old.rule, new.rule
    lines = [f"rule {a.id} {a.version} ({old.path}) → {b.id} {b.version} ({new.path})"]
    if not changes:
        lines.append("no differences")
        return "\n".join(lines)
    for section in SECTIONS:
        group = [c for c in changes if c.section == section]
        if not group:
            continue
        lines += ["", f"{SECTION_TITLES[section]}:"]
        for c in group:
            mark = f"  [{c.effect}]"
            if c.kind == "added":
                lines.append(f"  + {c.path}: {_show(c.new)}{mark}")
            elif c.kind == "removed":
                lines.append(f"  - {c.path}: {_show(c.old)}{mark}")
            elif c.kind == "moved":
                lines.append(f"  > {c.path}: {c.old} → {c.new}{mark}")
            elif c.kind == "reordered":
                lines.append(f"  ↕ {c.path}: reordered, the same elements: {_show(c.old)} → {_show(c.new)}{mark}")
            elif len(_text(c.old)) + len(_text(c.new)) > 70:
                was, now = _show_pair(c.old, c.new)
                lines += [f"  ~ {c.path}:{_list_delta(c.old, c.new)}{mark}", f"      was: {was}", f"      now: {now}"]
            else:
                lines.append(f"  ~ {c.path}: {_show(c.old)} → {_show(c.new)}{_list_delta(c.old, c.new)}{mark}")
    lines += ["", summary(changes)]
    return "\n".join(lines)


def summary(changes: list[Change]) -> str:
    """The last line of the text: how many changes, and how many of them can move a declared result, name the
    rule otherwise (identity) or only document it."""
    counts = _counts(changes)
    return (f"{len(changes)} change(s): {counts[RESULTS]} affecting results, {counts[IDENTITY]} identity, "
            f"{counts[DOCUMENTATION]} documentation only")


def _counts(changes: list[Change]) -> dict[str, int]:
    """Changes per effect (RESULTS, IDENTITY, DOCUMENTATION)."""
    return {effect: sum(1 for c in changes if c.effect == effect) for effect in (RESULTS, IDENTITY, DOCUMENTATION)}


def to_dict(old: LoadedRule, new: LoadedRule, changes: list[Change]) -> dict[str, Any]:
    """The machine-readable form (``footprint rules diff --json``)."""
    def ident(loaded: LoadedRule) -> dict[str, str]:
        return {"id": loaded.rule.id, "version": loaded.rule.version, "path": str(loaded.path),
                "sha256": loaded.sha256}

    def entry(change: Change) -> dict[str, Any]:
        out = asdict(change)
        del out["loc"]  # the place is ``path`` (for people) and ``field`` (the rule model's)
        return out

    counts = _counts(changes)
    return {"old": ident(old), "new": ident(new), "changes": [entry(c) for c in changes],
            "summary": {"changes": len(changes), "affecting_results": counts[RESULTS],
                        "identity": counts[IDENTITY], "documentation_only": counts[DOCUMENTATION]}}


@dataclass
class RuleDiff:
    """Two loaded rules and their differences, with both renderings."""

    old: LoadedRule
    new: LoadedRule
    changes: list[Change]

    def text(self) -> str:
        return render(self.old, self.new, self.changes)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self.old, self.new, self.changes)


def referenced_changes(old: LoadedRule, new: LoadedRule) -> list[Change]:
    """Changes in the content of files the rules point to (paths relative to each rule file).

    Why: ``recycled_content.virgin.declaration`` is the Ev of the CFF; the same relative path
    read from two rule files in different directories (an old version taken out of git into
    /tmp, say) can be two different declarations, and Ev moves every declared number.
    """
    before, after = virgin_declaration_summary(old), virgin_declaration_summary(new)
    if before == after:
        return []
    return [Change("parameters", "changed", "recycled_content.virgin.declaration (the file's content)",
                   old=before, new=after, loc=("recycled_content", "virgin", "declaration"))]


def compare(old: LoadedRule, new: LoadedRule) -> RuleDiff:
    rank = {name: index for index, name in enumerate(SECTIONS)}
    changes = sorted(diff(old.rule, new.rule) + referenced_changes(old, new), key=lambda c: rank[c.section])
    return RuleDiff(old=old, new=new, changes=changes)
