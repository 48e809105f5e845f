"""One scope for grids: every electricity input counts what the rule requires, or is refused.

Official Chinese grid factors (MEE/NBS) count CO2 from combustion at the power plant
('direct'); Ember and Electricity Maps factors count the fuel chain too ('life-cycle').
Producers in one class scheme must be compared on one basis, so a rule states the scope
it requires and each grid dataset states its own.  A direct dataset that names its
upstream chain (``upstream`` in the dataset: the fuel chain per kWh, with its source) is
completed to life-cycle by linking that chain for the same kWh; anything else that does
not match is refused with the dataset, its scope and the rule's scope named.
"""
from __future__ import annotations

from pathlib import Path

from footprint.data.inventory import Catalogue, Dataset
from footprint.errors import LinkingError
from footprint.inputs import units


def scope_flows(flow, dataset: Dataset, required: str, catalogue: Catalogue, *, path: Path, rule_path: Path) -> list:
    """Extra flows that bring an electricity input to the rule's scope (none when it already matches)."""
    from footprint.engine.system import Flow

    if dataset.kind != "electricity" or dataset.scope == required:
        return []
    if required == "life-cycle" and dataset.upstream is not None:
        upstream = catalogue.datasets[dataset.upstream.dataset]
        per_unit = units.convert(dataset.upstream.amount, dataset.upstream.unit, upstream.unit)  # per grid unit
        return [Flow(flow.process, "background", upstream.code, flow.amount * per_unit, upstream.unit,
                     f"{flow.label}: upstream fuel chain to life-cycle scope ({dataset.code})",
                     f"{flow.field} (upstream of {dataset.code})", flow.dqr, flow.primary, dataset.upstream.source,
                     completes=flow.field)]
    raise LinkingError(f"grid dataset {dataset.code} counts '{dataset.scope}' emissions but the rule requires "
                       f"'{required}'", file=path, field=flow.field, value=dataset.code,
                       expected=(f"a grid dataset of '{required}' scope, or a direct-scope dataset that states its "
                                 "upstream fuel chain ('upstream' in the dataset file)" if required == "life-cycle"
                                 else "a direct-scope grid dataset (life-cycle factors cannot be reduced to "
                                      "combustion only)") + f"; rule {rule_path.name}: electricity.scope")


def location_problem(location: str, declarant, default_geography: str | None) -> str | None:
    """Why a grid at ``location`` is not one the rule's location-based electricity model allows here.

    Every shipped rule prices electricity at the grid mix where the facility draws power (its
    ``electricity.model``); the input kind resolves it from the facility's region and country,
    then the rule's fallbacks.  A mapping entry could put another country's grid in its place (a
    Chinese mine on the French grid: 46.56 -> 46.24 kg CO2-Eq/kg for 1,200 MWh of 12 inputs, exit
    0); a producer's explicit ``dataset:`` is held to the rule's own or its ``alternatives``
    (engine.system._allowed_dataset).  Allowed for an imported grid: the facility's country or
    region, a grid region of its country, or the geography the rule itself arrived at (its world
    fallback where the country has no grid).
    """
    from footprint.inputs import geography

    if geography.within(location, declarant.country, declarant.region) or location == default_geography:
        return None
    where = declarant.country + (f", region {declarant.region}" if declarant.region else "")
    return (f"a grid at '{location}' for a facility in {where}: the rule's electricity model is location-based "
            "(the grid mix where the facility draws power)")
