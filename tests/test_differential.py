"""Differential test: ``footprint.declare`` against an independent recomputation in plain Brightway.

``verify`` recomputes a declaration by footprint's own reference path, so a misreading of a rule that
both paths share is invisible to it.  Here small rules and activity data are generated within the rule
format, declared through the public API, and recomputed here from the generated numbers alone.  What is
generated: a chain of 2-5 processes (a branch where a later process takes part of an earlier product;
intermediate products in kg, t, MJ or kWh; an optional first process left to its default dataset);
co-products allocated by economic (prices per kg, per t or relative), mass or specified shares, and
``--allocation`` sensitivity runs; inputs of the library's datasets written in kg/g/t, kWh/MWh/MJ/GJ,
m3/l (natural gas by the meter, the rule's alternative dataset), t*km/kg*km or mass x distance; 'from'
lines split in two units; emissions with and without a sub-compartment, the rule's default ones; expected
inputs not used or excluded under the cut-off; a facility in DE (life-cycle grid) or CN-NM (direct-scope
grid completed by the fuel chain its dataset file states); declared units of 1 kg, 1 t or 500 g; a
secondary route with recycled content under the Circular Footprint Formula or the cut-off, virgin
material blended in within the recycling process, in blending or after it, bought as a dataset or by a
supplier's declaration, Ev from a dataset or a declaration in kg, g or t.  The recomputation:

* the foreground is written as a plain bw2data database (one activity per process, amounts converted by
  this file's own unit table and multiplied by the main product's allocation share computed here by
  methodology.md §2.7: mass share, revenue share, or the producer's share);
* bw2calc.LCA solves it with the bundled EF 3.1 methods, named here by their Brightway keys;
* recycled content by methodology.md §2.6, per declared unit: the material's burden is
  Vm·(virgin input) + Rm·(A·Erec + (1-A)·Ev·Qsin/Qp), with Rm the recycled and Vm the virgin material per
  declared unit (R1 = Rm/(Rm+Vm)); the cut-off is A = 1;
* the split by process is a process's scaled direct emissions plus the scaled cradle-to-gate score of what
  it buys; by stage the sum over the stage's processes (README "Contributions").

Category totals and the splits must agree to 1e-6 relative: both paths read the same background and
characterisation arrays, but bw2data stores the foreground written here in float32 (footprint hands its
foreground to bw2calc in float64), so each amount is rounded by up to 6e-8; the deviations seen are
1e-7 to 3e-7, a misreading shows at 1e-3 or more.  Nothing of footprint's engine is called on the
recomputation side (test_cff's helper writes the supplier's declaration file).  Hypothesis does not
shrink a failure (each example costs a declaration and a few LCAs): the failing example is printed as
found, with its rule and activity data.  DIFF_EXAMPLES=N and DIFF_RANDOM=1 run more or other examples.
"""
from __future__ import annotations

import itertools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import footprint
import footprint.api  # noqa: F401 - test_cff._virgin_declaration reads footprint.api.ensure_setup
from test_cff import _virgin_declaration  # a supplier's declaration of 1 kg "virgin metal", hashed

#: the virgin metal's declared values per kg (a supplier's declaration: outside Brightway on both sides)
VIRGIN_VALUES = {"climate_change": 40.0, "acidification": 0.1, "particulate_matter": 1e-6}

REPO = Path(__file__).resolve().parents[1]
from footprint.errors import FootprintError

#: bw2data keeps a database's processed amounts in float32 (bw_processing.create_array), so the foreground
#: written here enters bw2calc rounded by up to 6e-8 per amount, compounded along a chain of up to five
#: processes; footprint hands bw2calc its foreground in float64.  A misreading shows at 1e-3 or more.
REL = 1e-6

DQR = {"TeR": 2, "GeR": 2, "TiR": 2, "P": 2}

#: base unit of each dimension and the factor of each spelling to it (this file's own unit table)
FACTORS = {
    "mass": {"kg": 1.0, "g": 1e-3, "t": 1e3},
    "energy": {"MJ": 1.0, "GJ": 1e3, "kWh": 3.6, "MWh": 3600.0},
    "tkm": {"t*km": 1.0, "kg*km": 1e-3},
    "volume": {"m**3": 1.0, "l": 1e-3},
}
#: input kind -> (library dataset, its unit's dimension, the dataset's unit expressed in the base unit)
KINDS = {
    "electricity": ("electricity/DE", "energy", 3.6),  # kWh
    "natural-gas": ("fuel/natural-gas", "energy", 1.0),  # MJ
    "diesel": ("fuel/diesel", "energy", 1.0),  # MJ
    "coal": ("fuel/coal", "mass", 1.0),  # kg
    "sulphuric-acid": ("chemical/sulphuric-acid", "mass", 1.0),
    "caustic": ("chemical/sodium-hydroxide-50pct", "mass", 1.0),
    "nitric-acid": ("chemical/nitric-acid", "mass", 1.0),  # draws on chemical/ammonia in the background
    "lorry": ("transport/lorry", "tkm", 1.0),
    "rail": ("transport/rail-freight", "tkm", 1.0),
    # natural gas by the meter: the rule's alternative dataset of kind natural-gas, named with 'dataset:'
    "natural-gas-m3": ("fuel/natural-gas-m3", "volume", 1.0),
}
#: the rule's kind of each generated kind (natural-gas-m3 is natural-gas with an explicit dataset)
RULE_KIND = {kind: kind for kind in KINDS} | {"natural-gas-m3": "natural-gas"}
#: default datasets of an optional process: code -> (dimension, the dataset's unit in the base unit)
SUPPLIED = {"chemical/sulphuric-acid": ("mass", 1.0), "material/steel-crude-worldsteel": ("mass", 1.0),
            "fuel/natural-gas": ("energy", 1.0), "electricity/GLO": ("energy", 3.6)}
PURCHASED = [k for k, (_d, dim, _f) in KINDS.items() if dim != "tkm"]
TRANSPORT = ["lorry", "rail"]
VIRGIN_KIND = "virgin-nickel"
VIRGIN_DATASET = "material/nickel-class1-screening"  # kg
EV_DATASETS = ["material/nickel-class1-screening", "material/steel-crude-worldsteel"]  # kg

#: the EF 3.1 methods compared, by the Brightway keys bw2io ships (declared ones first)
METHODS = {
    "climate_change": ("EF v3.1", "climate change", "global warming potential (GWP100)"),
    "acidification": ("EF v3.1", "acidification", "accumulated exceedance (AE)"),
    "particulate_matter": ("EF v3.1", "particulate matter formation", "impact on human health"),
    "eutrophication_marine": ("EF v3.1", "eutrophication: marine",
                              "fraction of nutrients reaching marine end compartment (N)"),
    "photochemical_ozone_formation": ("EF v3.1", "photochemical oxidant formation: human health",
                                      "tropospheric ozone concentration increase"),
    "resource_use_fossils": ("EF v3.1", "energy resources: non-renewable",
                             "abiotic depletion potential (ADP): fossil fuels"),
    "climate_change_fossil": ("EF v3.1", "climate change: fossil", "global warming potential (GWP100)"),
}
DECLARED = ["climate_change", "acidification", "particulate_matter"]
NON_URBAN = "non-urban air or from high stacks"
#: a process's default sub-compartments when the rule states them (emission_subcompartments)
DEFAULT_SUB = {"air": NON_URBAN, "water": "surface water"}


# ------------------------------------------------------------------ the generated product system (the truth)

@dataclass
class Line:
    """An amount as the producer writes it: ``written`` in ``unit``; ``base`` in the dimension's base unit."""

    written: float
    unit: str
    dim: str

    @property
    def base(self) -> float:
        return self.written * FACTORS[self.dim][self.unit]


@dataclass
class Proc:
    id: str
    stage: str
    product: str
    product_unit: str  # kg | t
    output: Line  # mass
    inputs_from: list[str] = field(default_factory=list)
    consumed: dict[str, Line] = field(default_factory=dict)  # upstream id -> mass consumed
    inputs: list[tuple[str, Line]] = field(default_factory=list)  # (kind, amount)
    legs: list[tuple[str, Line, str]] = field(default_factory=list)  # (kind, t*km, form: amount | mass-distance)
    emissions: list[tuple[str, str, Line]] = field(default_factory=list)  # (flow, compartment written, mass)
    co_products: list[tuple[str, Line]] = field(default_factory=list)
    method: str | None = None  # economic | mass | specified
    prices: dict[str, float] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)  # specified: product -> share
    default_air: bool = False  # the rule's emission_subcompartments {air: non-urban}
    excluded_share: float | None = None
    not_used: list[str] = field(default_factory=list)  # expected kinds stated as not used
    excluded_kind: str | None = None  # an expected kind left out under the cut-off, named in the exclusion
    split_from: bool = False  # each 'from' line written as two lines, 60 % in kg and 40 % in t

    @property
    def output_in_product_unit(self) -> float:
        return self.output.base / FACTORS[self.output.dim][self.product_unit]


@dataclass
class System:
    processes: list[Proc]
    route: str  # primary | secondary
    recycled: str | None = None  # cff | cut-off
    A: float = 0.2
    Q: float = 1.0
    erec: list[str] = field(default_factory=list)
    ev_dataset: str = EV_DATASETS[0]
    ev_amount: float = 1.0
    ev_unit: str | None = None  # None: kg
    declared: tuple[float, str] = (1.0, "kg")  # the rule's declared unit
    price_unit: str = "USD/kg"  # one unit for every price of the rule (shares compare the values as written)
    override: str | None = None  # declare(..., allocation=...): a sensitivity run
    supplied: dict[str, str] = field(default_factory=dict)  # optional process given no data -> default dataset
    region: str | None = None  # None: a facility in DE (a life-cycle grid); "CN-NM": a direct-scope grid
    virgin_declared: bool = False  # the virgin material blended in bought with a supplier's declaration
    ev_declared: bool = False  # Ev from a supplier's declaration (else the dataset ev_dataset)

    @property
    def declared_kg(self) -> float:
        amount, unit = self.declared
        return amount * FACTORS["mass"][unit]

    @property
    def reference(self) -> Proc:
        return self.processes[-1]

    def main_share(self, p: Proc) -> float:
        """The main product's share of the process's burden: methodology.md §2.7."""
        if not p.co_products:
            return 1.0
        masses = {p.product: p.output.base, **{name: line.base for name, line in p.co_products}}
        method = self.override or p.method
        if method == "mass":
            return masses[p.product] / sum(masses.values())
        if method == "economic":
            revenue = {name: masses[name] * p.prices[name] for name in masses}
            return revenue[p.product] / sum(revenue.values())
        return p.shares[p.product]


# ------------------------------------------------------------------ strategies

def _line(draw, dim: str, base: float) -> Line:
    """``base`` (in the dimension's base unit) written in a unit drawn from the dimension's spellings."""
    unit = draw(st.sampled_from(sorted(FACTORS[dim])))
    return Line(base / FACTORS[dim][unit], unit, dim)


def _amount(draw, low: float, high: float) -> float:
    return draw(st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False))


@st.composite
def process_data(draw, pid: str, stage: str, product: str, output_kg: float, *, co_products: bool,
                 recycling: bool = False) -> Proc:
    p = Proc(pid, stage, product, draw(st.sampled_from(["kg", "t"])), Line(0, "kg", "mass"))
    p.output = _line(draw, "mass", output_kg)
    kinds = draw(st.lists(st.sampled_from(PURCHASED), min_size=1, max_size=3, unique=True))
    for kind in kinds:
        base = _amount(draw, 0.01, 5.0) * output_kg * (1.0 if KINDS[kind][1] == "mass" else 10.0)
        p.inputs.append((kind, _line(draw, KINDS[kind][1], base)))
    if draw(st.booleans()):  # a second line of one kind: they add up
        kind = kinds[0]
        p.inputs.append((kind, _line(draw, KINDS[kind][1], _amount(draw, 0.01, 2.0) * output_kg)))
    for kind in draw(st.lists(st.sampled_from(TRANSPORT), max_size=2, unique=True)):
        p.legs.append((kind, _line(draw, "tkm", _amount(draw, 0.01, 3.0) * output_kg),
                       draw(st.sampled_from(["amount", "mass-distance"]))))
    p.default_air = draw(st.booleans())
    # SO2 and PM2.5 always: a declared category no datum gives a value in is refused (coverage none)
    flows = ["Sulfur dioxide", "Particulate Matter, < 2.5 um"]
    flows += draw(st.lists(st.sampled_from(["Carbon dioxide, fossil", "Methane, fossil", "Nitrate"]), max_size=2,
                           unique=True))
    for flow in draw(st.permutations(flows)):
        compartment = draw(st.sampled_from(["air", "air::urban air close to ground", "air::unspecified",
                                            f"air::{NON_URBAN}"] if flow != "Nitrate" else
                                           ["water", "water::surface water", "water::unspecified", "water::ocean"]))
        scale = 1.0 if flow == "Carbon dioxide, fossil" else 1e-3
        p.emissions.append((flow, compartment, _line(draw, "mass", _amount(draw, 0.01, 2.0) * scale * output_kg)))
    if co_products and draw(st.booleans()):
        names = [f"{pid} co-product {i}" for i in range(draw(st.integers(1, 2)))]
        for name in names:
            kg = draw(st.sampled_from([0.0, _amount(draw, 0.05, 3.0) * output_kg]))
            p.co_products.append((name, _line(draw, "mass", kg)))
        p.method = draw(st.sampled_from(["economic", "mass", "specified"]))
        products = [product, *names]
        p.prices = {name: _amount(draw, 0.5, 500.0) for name in products}
        if p.method == "specified":
            made = [name for name in products
                    if name == product or next(line for n, line in p.co_products if n == name).base > 0]
            weights = [_amount(draw, 0.1, 1.0) for _ in made]
            p.shares = {name: 0.0 for name in products}
            for name, weight in zip(made, weights):
                p.shares[name] = weight / sum(weights)
            # the shares must add up to 1 within 1e-6: put the float remainder on the main product
            p.shares[product] = 1.0 - math.fsum(v for n, v in p.shares.items() if n != product)
    if draw(st.booleans()):
        p.excluded_share = draw(st.sampled_from([None, 0.001, 0.004]))
    taken = {RULE_KIND[kind] for kind in kinds}
    others = [kind for kind in PURCHASED if RULE_KIND[kind] not in taken and kind == RULE_KIND[kind]]
    if others and draw(st.booleans()):
        p.not_used = [others[0]]
    if len(others) > 1 and draw(st.booleans()):
        p.excluded_kind = others[-1]
    p.split_from = draw(st.booleans())
    form = draw(st.sampled_from(["amount", "mass-distance", "kg-over-m"]))
    p.legs = [(kind, line, form if i == 0 else leg_form) for i, (kind, line, leg_form) in enumerate(p.legs)]
    return p


@st.composite
def primary_systems(draw) -> System:
    n = draw(st.integers(2, 5))
    stages = ["extraction", "concentration", "refining"]
    outputs = [_amount(draw, 100.0, 1e5) for _ in range(n)]
    processes = []
    for i in range(n):
        pid = f"p{i}"
        product = "declared product" if i == n - 1 else f"product of {pid}"
        p = draw(process_data(pid, stages[min(2, i * 3 // n)], product, outputs[i], co_products=True))
        if i < n - 1 and not p.co_products and draw(st.booleans()):  # an intermediate product counted in energy
            p.product_unit = draw(st.sampled_from(["MJ", "kWh"]))
            p.output = _line(draw, "energy", outputs[i])
        if i:
            upstream = processes[-1]
            p.inputs_from = [upstream.id]
            gap = draw(st.sampled_from([0.0, 0.01, -0.02, 0.04]))
            p.consumed[upstream.id] = _line(draw, upstream.output.dim, upstream.output.base * (1 + gap))
        processes.append(p)
    for i in range(2, n):  # a branch: p(i) takes part of p(i-2)'s product that p(i-1) took before
        if draw(st.booleans()):
            upstream, between, p = processes[i - 2], processes[i - 1], processes[i]
            whole = between.consumed[upstream.id].base
            part = _amount(draw, 0.1, 0.9)
            between.consumed[upstream.id] = _line(draw, upstream.output.dim, whole * (1 - part))
            p.inputs_from.append(upstream.id)
            p.consumed[upstream.id] = _line(draw, upstream.output.dim, whole * part)
    system = System(processes, "primary")
    _common(draw, system)
    if draw(st.booleans()):  # the first process optional in the rule, and given no data: its default dataset
        system.supplied["p0"] = draw(st.sampled_from([code for code, (dim, _f) in SUPPLIED.items()
                                                      if dim == processes[0].output.dim]))
    allocated = [p for p in processes if p.co_products and p.id not in system.supplied]
    if allocated and all(p.method != "specified" for p in allocated) and draw(st.booleans()):
        system.override = draw(st.sampled_from(["economic", "mass"]))
        if all(p.method == system.override for p in allocated):
            system.override = None  # moves no process: the plain declaration
    return system


def _common(draw, system: System) -> None:
    system.region = draw(st.sampled_from([None, "CN-NM"]))
    system.declared = draw(st.sampled_from([(1.0, "kg"), (1.0, "t"), (500.0, "g")]))
    system.price_unit = draw(st.sampled_from(["USD/kg", "USD/t", "relative"]))


@st.composite
def secondary_systems(draw) -> System:
    """Recycling process(es) (Erec), blending with virgin material, optionally a remanufacturing step."""
    erec_count = draw(st.integers(1, 2))
    recycled_kg = _amount(draw, 100.0, 1e4)
    virgin_kg = draw(st.sampled_from([0.0, _amount(draw, 0.1, 2.0) * recycled_kg]))
    remanufacture = draw(st.booleans())
    # where the virgin material is blended in: within the last recycling process, in blending, or after it
    where = draw(st.sampled_from(["erec", "blending", *(["remanufacture"] if remanufacture else [])]))
    virgin_in_erec = virgin_kg > 0 and where == "erec"
    processes: list[Proc] = []
    for i in range(erec_count):
        pid = f"r{i}"
        last = i == erec_count - 1
        made = recycled_kg + (virgin_kg if last and virgin_in_erec else 0.0)
        p = draw(process_data(pid, "recycling", f"product of {pid}", made, co_products=True))
        if i:
            p.inputs_from = [processes[-1].id]
            p.consumed[processes[-1].id] = Line(processes[-1].output.base, "kg", "mass")
        if last and virgin_in_erec:
            p.inputs.append((VIRGIN_KIND, _line(draw, "mass", virgin_kg)))
        processes.append(p)
    names = ["blending", *(["remanufacture"] if remanufacture else [])]
    for j, pid in enumerate(names):
        product = "declared product" if j == len(names) - 1 else "blended material"
        made = processes[-1].output.base + (virgin_kg if where == pid else 0.0)
        p = draw(process_data(pid, "recycling", product, made, co_products=True))
        p.inputs_from = [processes[-1].id]
        p.consumed[processes[-1].id] = Line(processes[-1].output.base, "kg", "mass")
        if pid == where and virgin_kg:
            p.inputs.append((VIRGIN_KIND, _line(draw, "mass", virgin_kg)))
        if pid == "blending" and where == "remanufacture":
            # not allocated: R1's recycled material would be the allocated share of blending's, the virgin
            # material after it whole, and a physical R1 is refused (a policy question: see the report)
            p.co_products, p.method = [], None
        processes.append(p)
    method = draw(st.sampled_from(["cff", "cut-off"]))
    system = System(processes, "secondary", recycled=method, erec=[f"r{i}" for i in range(erec_count)])
    _common(draw, system)
    system.virgin_declared = draw(st.booleans())
    if method == "cff":
        system.A = draw(st.sampled_from([0.2, 0.5, 0.8, 1.0]))
        system.Q = draw(st.sampled_from([1.0, 0.75]))
        system.ev_dataset = draw(st.sampled_from(EV_DATASETS))
        system.ev_declared = draw(st.booleans())
        system.ev_unit = draw(st.sampled_from([None, "kg", "g", "t"]))
        kg = draw(st.sampled_from([1.0, 0.27, 0.8]))
        system.ev_amount = kg / FACTORS["mass"][system.ev_unit or "kg"]
    return system


# ------------------------------------------------------------------ writing the rule and the activity data

def _rule(system: System) -> dict:
    stages: dict[str, list] = {}
    kinds = {kind: {"dataset": dataset} for kind, (dataset, _dim, _f) in KINDS.items() if RULE_KIND[kind] == kind}
    kinds["natural-gas"]["alternatives"] = [KINDS["natural-gas-m3"][0]]
    if system.region:
        kinds["electricity"] = {"dataset": "electricity/{region}", "fallback": ["electricity/{country}"]}
    for p in system.processes:
        entry = {"id": p.id, "name": f"process {p.id}", "annex_v": ["4(a)"], "company_specific": "required",
                 "product": {"name": p.product, "unit": p.product_unit}}
        if p.id in system.supplied:
            entry.update(company_specific="optional", default_dataset=system.supplied[p.id])
        if p.inputs_from:
            entry["inputs_from"] = list(p.inputs_from)
        entry["expected_inputs"] = sorted({RULE_KIND[kind] for kind, _line in p.inputs if kind != VIRGIN_KIND}
                                          | set(p.not_used) | ({p.excluded_kind} if p.excluded_kind else set()))
        if p.default_air:
            entry["emission_subcompartments"] = dict(DEFAULT_SUB)
        if p.co_products:
            entry["co_products"] = [name for name, _line in p.co_products]
            allocation = {"method": p.method}
            options = sorted({"economic", "mass", "specified"} - {p.method})
            allocation["options"] = options
            allocation["prices"] = {name: {"value": value, "unit": system.price_unit, "basis": "test"}
                                    for name, value in p.prices.items()}
            allocation["price_basis"] = "test prices"
            entry["allocation"] = allocation
        stages.setdefault(p.stage, []).append(entry)
    if system.route == "secondary":
        kinds[VIRGIN_KIND] = {"dataset": VIRGIN_DATASET, "upstream_products": ["virgin metal"]}
        recycled = {"method": system.recycled, "erec_processes": list(system.erec),
                    "virgin_input_kinds": [VIRGIN_KIND], "elements": ["Ni"]}
        if system.recycled == "cff":
            virgin = {"dataset": system.ev_dataset, "amount": system.ev_amount, "basis": "test"}
            if system.ev_declared:
                virgin = {"declaration": "virgin.json", "amount": system.ev_amount, "basis": "test"}
            if system.ev_unit is not None:
                virgin["unit"] = system.ev_unit
            recycled.update(A=system.A, Qsin_Qp=system.Q, virgin=virgin)
    else:
        recycled = {"method": "not-applicable"}
    return {
        "id": "differential-test", "version": "1.0.0", "title": "differential test", "status": "draft",
        "legal_basis": "test", "crm": "test", "validity": {"from": "2025-01-01", "until": "2028-12-31"},
        "declared_unit": {"amount": system.declared[0], "unit": system.declared[1], "product": "declared product",
                          "chemical_form": "test",
                          "grade": "test"},
        "route": system.route, "reference_process": system.reference.id,
        "stages": [{"id": stage, "label": stage, "processes": entries} for stage, entries in stages.items()],
        "input_kinds": kinds, "electricity": {"model": "location-based"}, "recycled_content": recycled,
        "cut_off": {"threshold": 0.03, "basis": "test"},
        "dqr_limits": {"most_relevant": 5, "other": 5, "secondary": 5},
        "impact_categories": {"declared": DECLARED, "rationale": "test"},
        "sampling": {"allowed": False}, "conformity_assessment": {"module": "test"},
        "class_scheme": {"number_of_classes": 3},
    }


def _amount_of(line: Line) -> dict:
    return {"amount": line.written, "unit": line.unit}


def _activity(system: System) -> dict:
    processes = {}
    for p in system.processes:
        if p.id in system.supplied:
            continue
        data: dict = {"dqr": DQR, "output": _amount_of(p.output)}
        inputs = []
        for upstream, line in p.consumed.items():
            if p.split_from and line.dim == "mass":  # the same amount in two lines: they add up
                inputs += [{"from": upstream, "amount": line.base * 0.6, "unit": "kg"},
                           {"from": upstream, "amount": line.base * 0.4 / 1000, "unit": "t"}]
            else:
                inputs.append({"from": upstream, **_amount_of(line)})
        for kind, line in p.inputs:
            item = {"kind": RULE_KIND.get(kind, kind), **_amount_of(line)}
            if kind == VIRGIN_KIND and system.virgin_declared:
                item["declaration"] = "virgin.json"
            elif RULE_KIND.get(kind, kind) != kind:
                item["dataset"] = KINDS[kind][0]
            inputs.append(item)
        data["inputs"] = inputs
        legs = []
        for kind, line, form in p.legs:
            if form == "amount":
                legs.append({"kind": kind, **_amount_of(line)})
            elif form == "mass-distance":  # the same t*km as a mass in t over 250 km
                legs.append({"kind": kind, "mass": {"amount": line.base / 250.0, "unit": "t"},
                             "distance": {"amount": 250.0, "unit": "km"}})
            else:  # in kg over 40,000 m
                legs.append({"kind": kind, "mass": {"amount": line.base * 1000 / 40.0, "unit": "kg"},
                             "distance": {"amount": 40_000.0, "unit": "m"}})
        if legs:
            data["transport"] = legs
        data["emissions"] = [{"flow": flow, "compartment": compartment, **_amount_of(line)}
                             for flow, compartment, line in p.emissions]
        if p.co_products:
            data["co_products"] = []
            for name, line in p.co_products:
                entry = {"name": name, **_amount_of(line)}
                if p.method == "specified":
                    entry["share"] = p.shares[name]
                data["co_products"].append(entry)
            if p.method == "specified":
                data["allocation_share"] = p.shares[p.product]
        if p.not_used:
            data["not_used"] = list(p.not_used)
        excluded = []
        if p.excluded_share is not None:
            excluded.append({"item": "small auxiliaries", "estimated_share": p.excluded_share,
                             "reason": "below cut-off"})
        if p.excluded_kind:
            excluded.append({"item": f"a little {p.excluded_kind}", "estimated_share": 0.002, "reason": "below cut-off",
                             "kinds": [p.excluded_kind]})
        if excluded:
            data["excluded"] = excluded
        processes[p.id] = data
    document = {
        "rule": "differential-test",
        "declarant": {"name": "Test Co.", "facility": "plant", "country": "DE"} if not system.region else
                     {"name": "Test Co.", "facility": "plant", "country": system.region[:2], "region": system.region},
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "production": {"amount": system.reference.output.base, "unit": "kg"},
        "processes": processes,
    }
    if system.route == "secondary":
        rm, vm = _material(system)
        document["recycled_content"] = {"R1": rm / (rm + vm), "source": "feed records", "dqr": DQR}
    return document


def _material(system: System) -> tuple[float, float]:
    """Recycled and virgin material (kg) in the period: the Erec outlet's output less virgin blended in it."""
    erec = system.processes[len(system.erec) - 1]
    virgin_in = sum(line.base for p in system.processes for kind, line in p.inputs if kind == VIRGIN_KIND
                    and p.id == erec.id)
    virgin = sum(line.base for p in system.processes for kind, line in p.inputs if kind == VIRGIN_KIND)
    return erec.output.base - virgin_in, virgin


def write(system: System, directory: Path) -> tuple[Path, Path]:
    rule_path, data_path = directory / "differential-test.yaml", directory / "activity.yaml"
    if system.route == "secondary":
        (directory / "virgin.json").write_text(json.dumps(_virgin_declaration(VIRGIN_VALUES)))
    rule_path.write_text(yaml.safe_dump(_rule(system), sort_keys=False))
    data_path.write_text(yaml.safe_dump(_activity(system), sort_keys=False))
    return rule_path, data_path


# ------------------------------------------------------------------ the independent recomputation

@dataclass
class Expected:
    totals: dict[str, float]
    by_process: dict[str, dict[str, float]]
    by_stage: dict[str, dict[str, float]]
    line_applied: dict[str, bool]


def _biosphere_code(bio_index: dict, flow: str, compartment: str, default_air: bool) -> tuple[str, tuple]:
    parts = [part.strip() for part in compartment.split("::")]
    if len(parts) == 2 and parts[1] == "unspecified":
        categories: tuple = (parts[0],)
    elif len(parts) == 1 and default_air and (flow, (parts[0], DEFAULT_SUB[parts[0]])) in bio_index:
        categories = (parts[0], DEFAULT_SUB[parts[0]])  # the rule's default sub-compartment for the process
    else:
        categories = tuple(parts)
    return bio_index[(flow, categories)], categories


_COUNTER = itertools.count()


def _grid_upstream(code: str) -> tuple[str, float] | None:
    """The upstream fuel chain a direct-scope grid dataset states (dataset, kg per kWh), read from its file."""
    document = yaml.safe_load((REPO / "inventories" / f"{code}.yaml").read_text())
    if document.get("scope") != "direct":
        return None
    upstream = document["upstream"]
    assert upstream["unit"] == "kg" and document["unit"] == "kWh", upstream  # the only case written here
    return upstream["dataset"], float(upstream["amount"])


def recompute(system: System, mapped: dict[str, tuple[tuple[str, str], float]] | None = None,
              mapped_defaults: dict[str, tuple[tuple[str, str], float]] | None = None) -> Expected:
    """The declaration's numbers from the generated data alone: a bw2data foreground, bw2calc.LCA.

    ``mapped`` (tests/test_differential_more.py): a library dataset code -> the imported dataset's node key
    that replaces it in the inputs and how many of that dataset's units one unit of the library's is; a
    replaced grid brings its own scope (no upstream fuel chain is added for it).  ``mapped_defaults``: the
    same for the default datasets of optional processes (a mapping's kind entry takes only inputs of its
    kind, a dataset-code entry every use of the dataset).
    """
    from footprint.data import project as fp_project

    mapped = mapped or {}
    mapped_defaults = mapped if mapped_defaults is None else mapped_defaults

    def link(code: str, amount: float, default: bool = False) -> dict:
        table = mapped_defaults if default else mapped
        if code in table:
            key, factor = table[code]
            return {"input": key, "type": "technosphere", "amount": amount * factor}
        return {"input": ("footprint-inventories", code), "type": "technosphere", "amount": amount}

    with fp_project.scratch_project():
        import bw2calc as bc
        import bw2data as bd

        bio_index = {(flow["name"], tuple(flow["categories"])): flow["code"] for flow in bd.Database("biosphere3")}
        name = f"differential-foreground-{next(_COUNTER)}"
        data: dict = {}
        modelled = [p for p in system.processes if p.id not in system.supplied]
        declared_inputs: list[tuple[str, float]] = []  # (process, kg of virgin metal bought by declaration)
        for p in modelled:
            share = system.main_share(p)
            exchanges = [{"input": (name, p.id), "amount": p.output_in_product_unit, "type": "production"}]
            for upstream, line in p.consumed.items():
                if upstream in system.supplied:  # an optional process given no data: its default dataset, per kg
                    code = system.supplied[upstream]
                    exchanges.append(link(code, line.base / SUPPLIED[code][1] * share, default=True))
                    continue
                unit = next(q for q in system.processes if q.id == upstream).product_unit
                exchanges.append({"input": (name, upstream), "type": "technosphere",
                                  "amount": line.base / FACTORS[line.dim][unit] * share})
            for kind, line in p.inputs:
                if kind == VIRGIN_KIND:  # virgin material within a recycling process goes whole to its product
                    whole = 1.0 if p.id in system.erec else share
                    if system.virgin_declared:  # the supplier's value per kg times the kg, added after the LCA
                        declared_inputs.append((p.id, line.base * whole))
                        continue
                    exchanges.append({"input": ("footprint-inventories", VIRGIN_DATASET), "type": "technosphere",
                                      "amount": line.base * whole})
                    continue
                dataset, _dim, per_unit = KINDS[kind]
                if kind == "electricity" and system.region:
                    dataset = f"electricity/{system.region}"
                    # a direct-scope grid under a life-cycle rule: the fuel chain its file states, per kWh
                    chain = _grid_upstream(dataset)
                    if chain is not None and dataset not in mapped:
                        exchanges.append({"input": ("footprint-inventories", chain[0]), "type": "technosphere",
                                          "amount": line.base / per_unit * chain[1] * share})
                exchanges.append(link(dataset, line.base / per_unit * share))
            for kind, line, _form in p.legs:
                exchanges.append(link(KINDS[kind][0], line.base * share))
            for flow, compartment, line in p.emissions:
                code, _categories = _biosphere_code(bio_index, flow, compartment, p.default_air)
                exchanges.append({"input": ("biosphere3", code), "type": "biosphere", "amount": line.base * share})
            data[(name, p.id)] = {"name": p.id, "unit": p.product_unit, "location": "DE", "exchanges": exchanges}
        database = bd.Database(name)
        database.write(data)
        nodes = {p.id: database.get(p.id) for p in modelled}
        reference = system.reference
        demand = {nodes[reference.id]: system.declared_kg / FACTORS["mass"][reference.product_unit]}
        totals, by_process, by_stage, applied = {}, {}, {}, {}
        background = bd.Database("footprint-inventories")
        for category, method in METHODS.items():
            fu, data_objs, _ = bd.prepare_lca_inputs(demand, method=method)
            lca = bc.LCA(fu, data_objs=data_objs)
            lca.lci()
            lca.lcia()
            total = float(lca.score)
            supply = {pid: float(lca.supply_array[lca.dicts.activity[node.id]]) for pid, node in nodes.items()}
            cf = lca.characterization_matrix.diagonal()

            def score_of(code: str, database: str = "footprint-inventories") -> float:
                lca.redo_lci({(background if database == "footprint-inventories" else bd.Database(database))
                              .get(code).id: 1.0})
                lca.redo_lcia()
                return float(lca.score)

            scores: dict[str, float] = {}
            split: dict[str, float] = {}
            erec_total = 0.0
            for p in modelled:
                value = 0.0
                for exchange in nodes[p.id].exchanges():
                    if exchange["type"] == "biosphere":
                        part = exchange["amount"] * cf[lca.dicts.biosphere[exchange.input.id]]
                    elif exchange["type"] == "technosphere" and exchange.input["database"] != name:
                        database, code = exchange.input["database"], exchange.input["code"]
                        if database != "footprint-inventories":
                            code = f"{database}::{code}"  # an imported dataset (a mapping)
                        if code not in scores:
                            scores[code] = score_of(exchange.input["code"], database)
                        part = exchange["amount"] * scores[code]
                        if code == VIRGIN_DATASET and p.id in system.erec and any(
                                kind == VIRGIN_KIND for kind, _l in p.inputs):
                            # virgin input kind: not part of Erec (only possible here, where it is blended in)
                            split[p.id] = split.get(p.id, 0.0) + supply[p.id] * part
                            continue
                    else:
                        continue
                    value += supply[p.id] * part
                    if p.id in system.erec:
                        erec_total += supply[p.id] * part
                split[p.id] = split.get(p.id, 0.0) + value
            for pid, kg in declared_inputs:
                part = supply[pid] * kg * VIRGIN_VALUES.get(category, 0.0)
                split[pid] += part
                total += part
            if system.recycled == "cff":
                if VIRGIN_DATASET not in scores:
                    scores[VIRGIN_DATASET] = score_of(VIRGIN_DATASET)
                ev_per_unit = (VIRGIN_VALUES.get(category, 0.0) if system.ev_declared
                               else score_of(system.ev_dataset))
                ev = ev_per_unit * system.ev_amount * FACTORS["mass"][system.ev_unit or "kg"]  # per kg recycled
                rm_period, _vm = _material(system)
                outlet = system.processes[len(system.erec) - 1]
                rm = rm_period * supply[outlet.id]  # per declared unit: the period's amounts times the scaling
                # methodology.md §2.6: the recycled share's burden Rm·(A·Erec + (1-A)·Ev·Qsin/Qp) instead of the
                # Rm·Erec the cut-off picture holds
                erec_per_kg = erec_total / rm
                cff = rm * (system.A * erec_per_kg + (1 - system.A) * ev * system.Q)
                applied[category] = ev_per_unit != 0.0
                if applied[category]:
                    line = cff - erec_total
                    split["recycled-content"] = line
                    total += line
            assert _close(math.fsum(split.values()), total, total), (category, split, total)
            totals[category] = total
            by_process[category] = split
            stages: dict[str, float] = {}
            for p in modelled:
                stages[p.stage] = stages.get(p.stage, 0.0) + split[p.id]
            if "recycled-content" in split:
                stages["recycling"] += split["recycled-content"]
            by_stage[category] = stages
        del bd.databases[name]
        return Expected(totals, by_process, by_stage, applied)


# ------------------------------------------------------------------ comparing

def _results(document: dict) -> dict[str, dict]:
    rows = {row["category"]: row for row in document["results"]}
    rows.update({row["category"]: row for row in document["additional_information"]["results"]})
    return rows


#: the largest relative deviation of a total seen in this session (printed with -s: noise is ~1e-7)
WORST = [0.0]


def _close(got: float, expected: float, scale: float) -> bool:
    if scale:
        WORST[0] = max(WORST[0], abs(got - expected) / abs(scale))
    return math.isclose(got, expected, rel_tol=REL, abs_tol=REL * abs(scale) + 1e-300)


def compare(document: dict, expected: Expected) -> list[str]:
    problems = []
    rows = _results(document)
    for category, total in expected.totals.items():
        row = rows[category]
        if not _close(row["value"], total, total):
            problems.append(f"{category}: declared {row['value']!r}, recomputed {total!r}")
        if category in DECLARED:
            scale = max(abs(v) for v in expected.by_process[category].values()) or abs(total)
            for key, want in (("by_process", expected.by_process[category]),
                              ("by_stage", expected.by_stage[category])):
                got = row[key]
                for group in sorted(set(got) | {g for g, v in want.items() if v}):
                    if not _close(got.get(group, 0.0), want.get(group, 0.0), scale):
                        problems.append(f"{category} {key}[{group}]: declared {got.get(group)!r}, recomputed "
                                        f"{want.get(group)!r}")
    if expected.line_applied:
        block = document["recycled_content"]["by_category"]
        for category in DECLARED:
            if block[category]["applied"] != expected.line_applied[category]:
                problems.append(f"{category}: CFF line applied {block[category]['applied']}, expected "
                                f"{expected.line_applied[category]}")
    return problems


def check(system: System, directory: Path) -> None:
    rule_path, data_path = write(system, directory)
    try:
        document = footprint.declare(rule_path, data_path, allocation=system.override)
    except FootprintError as exc:  # a refusal is never a wrong number; say which, so a generator bug shows
        pytest.fail(f"refused: {exc}\n{data_path.read_text()}")
    problems = compare(document, recompute(system))
    assert not problems, "\n".join(problems) + "\n" + rule_path.read_text() + data_path.read_text()


SETTINGS = settings(max_examples=int(os.environ.get("DIFF_EXAMPLES", "25")), deadline=None,
                    derandomize=not os.environ.get("DIFF_RANDOM"),
                    # a failure is reported as found: shrinking a case costs minutes of declarations and LCAs
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@SETTINGS
@given(system=primary_systems())
def test_primary_chains_declare_what_plain_brightway_computes(project, tmp_path_factory, system):
    check(system, tmp_path_factory.mktemp("primary"))


@SETTINGS
@given(system=secondary_systems())
def test_recycled_content_declares_what_plain_brightway_and_the_cff_compute(project, tmp_path_factory, system):
    check(system, tmp_path_factory.mktemp("secondary"))


def teardown_module() -> None:
    print(f"\ndifferential: largest relative deviation seen {WORST[0]:.2e} (tolerance {REL:g})")
