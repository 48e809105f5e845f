"""Applying a background mapping to a built product system (the producer's side of footprint.data.background).

The mapping file is resolved in the background wing (input kind or dataset code ->
imported dataset); here the flows of one product system are retargeted to those
datasets, with amounts converted to the dataset's unit and the DQR combined the way
engine.quality combines a datum's and a dataset's scores.
"""
from __future__ import annotations

from dataclasses import replace

from footprint.data.background import BackgroundMapping, MappingError
from footprint.data.inventory import Catalogue
from footprint.engine.system import ProductSystem
from footprint.errors import FootprintError
from footprint.inputs import units
from footprint.inputs.dqr import DQR


def _kind_of(flow) -> str | None:
    label = flow.label or ""
    return label[len("transport, "):] if label.startswith("transport, ") else label


def check_keys(mapping: BackgroundMapping, system: ProductSystem, catalogue: Catalogue) -> None:
    """Every mapping key must name an input kind of the rule or a dataset code of the library.

    A key that matches nothing (a typo: ``hydrochloric-acd``) would map nothing, and the
    declaration would still list it as applied: refused, with the nearest names.
    """
    import difflib

    kinds = sorted(system.rule.rule.input_kinds)
    for key in [*mapping.kinds, *mapping.codes]:
        if key in mapping.codes:
            if key in catalogue.datasets:
                continue
            pool, what = sorted(catalogue.datasets), "a dataset code of the library"
        else:
            if key in system.rule.rule.input_kinds:
                continue
            pool, what = kinds, f"an input kind of rule {system.rule.rule.id}"
        close = difflib.get_close_matches(key, pool, n=3, cutoff=0.5)
        raise MappingError("this key matches no input kind of the rule and no dataset code", file=mapping.path,
                           field=f"map.{key}", value=key,
                           expected=what + (f"; nearest: {', '.join(close)}" if close else
                                            f" ({', '.join(pool[:12])}{', ...' if len(pool) > 12 else ''})"))


def apply_mapping(system: ProductSystem, mapping: BackgroundMapping, catalogue: Catalogue) -> ProductSystem:
    """Retarget mapped background flows to the imported datasets, converting amounts to their unit.

    A footprint dataset code in the mapping wins over the input kind, so a user can
    replace one regional grid without replacing all electricity.  Keys that match
    nothing are refused first (check_keys).
    """
    check_keys(mapping, system, catalogue)
    for process in system.processes:
        flows = []
        for flow in process.flows:
            target = None
            if flow.kind == "background" and flow.target in catalogue.datasets:
                target = mapping.target(flow.target, _kind_of(flow))
            if target is None:
                flows.append(flow)
                continue
            try:
                amount = units.convert(flow.amount, flow.unit, units.pint_expression(target.unit))
            except FootprintError:
                key = flow.target if flow.target in mapping.codes else _kind_of(flow)
                raise MappingError(f"unit of the mapped dataset does not fit the input ({flow.unit})",
                                   file=mapping.path, field=f"map.{key}", value=f"{target.name}: {target.unit}",
                                   expected=f"a dataset whose unit converts from {flow.unit}") from None
            dqr = flow.dqr
            if target.dqr is not None:  # the same rule as quality.item_criteria: datum and dataset averaged
                own = flow.dqr.model_dump() if flow.dqr else target.dqr.model_dump()
                dqr = DQR(**{k: (own[k] + getattr(target.dqr, k)) / 2 for k in ("TeR", "GeR", "TiR", "P")})
            else:
                note = (f"background dataset {target.database}: '{target.name}' has no DQR in the mapping "
                        f"{mapping.path.name}; its contributions are rated on the activity datum alone")
                if note not in system.notes:
                    system.notes.append(note)
            flows.append(replace(flow, target=target.key, amount=amount, unit=target.unit, dqr=dqr))
        remapped = {flow.field for flow in flows if flow.kind == "background" and flow.target not in catalogue.datasets}
        # a grid replaced by an imported dataset brings its own scope: drop the upstream chain added for the old one
        process.flows = [flow for flow in flows if flow.completes is None or flow.completes not in remapped]
    return system
