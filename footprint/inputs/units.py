"""Units: one pint registry for the whole engine.

Activity data arrive in whatever unit a plant records (t, MWh, GJ, m3, L);
Brightway stores plain unit strings ("kilogram", "kilowatt hour").  Every
amount passes through here so a wrong dimension is caught with the file and
field that carried it, and so the US short ton never sneaks in: pint's ``ton``
is 907 kg, which is never what a rare-earth producer means.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footprint.errors import FootprintError, UnitError

if TYPE_CHECKING:  # pint takes a fifth of a second to import: only commands that convert amounts pay it
    import pint

_DEFINITIONS = Path(__file__).with_name("units.txt")

#: Brightway / ecoinvent unit names and the pint expression they mean.
BRIGHTWAY_UNITS: dict[str, str] = {
    "kilogram": "kg",
    "gram": "g",
    "ton": "t",  # Brightway's "ton" is the metric tonne (ecoinvent convention)
    "kilowatt hour": "kWh",
    "megawatt hour": "MWh",
    "megajoule": "MJ",
    "gigajoule": "GJ",
    "ton kilometer": "tkm",
    "kilogram kilometer": "kg*km",
    "cubic meter": "m**3",
    "normal cubic meter": "Nm3",
    "standard cubic meter": "Sm3",
    "liter": "L",
    "kilo Becquerel": "kBq",
    "square meter": "m**2",
    "square meter-year": "m**2*year",
    "cubic meter-year": "m**3*year",
    "meter-year": "m*year",
    "unit": "dimensionless",
    "kilowatt": "kW",
}

#: Spellings that pint accepts but which mean something other than what users write.
AMBIGUOUS_UNITS: dict[str, str] = {
    "ton": "pint reads 'ton' as the US short ton (907.18 kg); write 't' or 'tonne' for the metric tonne, or 'short_ton'",
    "tons": "pint reads 'tons' as US short tons; write 't' or 'tonne'",
    # a plant's 'kt' is a kilotonne; pint's is the knot (a speed), so it failed as 'wrong dimension [length]/[time]'
    "kt": "pint reads 'kt' as the knot (a speed); write 'kilotonne' or give the amount in 't'",
    "kt*km": "pint reads 'kt' as the knot (a speed); write 'kilotonne*km' or give the amount in 't*km'",
}


#: Units whose name means one amount in pint and another in the trade that writes it, by pint's base unit
#: (so plurals, prefixes and products are caught too: 'tons*km', 'kiloton', 'Mton', 'kgal', 'bbl/d').  Each
#: was read by pint without a word, exit 0: 'mt' (what many plants write for the metric ton) as a
#: millitonne, 1 kg, so 1000x low; 'bbl' as the US liquid barrel, 25 % short of an oil barrel; 'MBtu'
#: (a thousand Btu in the energy trade) as a million; 'oz' as the avoirdupois ounce, 9 % short of the troy
#: ounce platinum-group metals are weighed in; 'megaton' as a mega short ton.
AMBIGUOUS_BASES: dict[str, str] = {
    "ton": "pint reads it as (a multiple of) the US short ton (907.18 kg); write 't' or 'tonne' for the metric tonne "
           "('kilotonne', 'Mt' for a thousand or a million), or 'short_ton' if that is what the plant records",
    "barrel": "pint's barrel ('bbl') is the US liquid barrel (31.5 US gal, 119.24 L), but oil and fuels are traded "
              "in oil barrels (42 US gal, 158.99 L): write 'oil_barrel' or the amount in 'L'",
    "gallon": "pint's gallon is the US gallon (3.785 L), the UK's is the imperial gallon (4.546 L): write 'L', "
              "'US_liquid_gallon' or 'imperial_gallon'",
    "ounce": "pint's ounce is the avoirdupois ounce (28.35 g), but precious and platinum-group metals are weighed in "
             "troy ounces (31.10 g): write 'troy_ounce', 'avoirdupois_ounce' or the amount in 'g'",
    "hundredweight": "pint's hundredweight is the US short one (45.36 kg), the UK's the long one (50.80 kg): "
                     "write the amount in 'kg'",
    "quart": "US and imperial quarts differ by 20 %: write the amount in 'L'",
    "pint": "US and imperial pints differ by 20 %: write the amount in 'L'",
    "fluid_ounce": "US and imperial fluid ounces differ by 4 %: write the amount in 'mL'",
    "bushel": "US and imperial bushels differ by 3 %: write the amount in 'L' or 'kg'",
    # 'gr' is how the gram is written in much of Europe and Latin America, 'kgr' the kilogram: pint reads the
    # grain (64.8 mg) and the kilograin (64.8 g), so 133,000 'kgr' of SO2 was declared as 8.6 t, 15x low, exit 0
    "grain": "pint reads 'gr' as the grain (64.8 mg; 'kgr' a thousand grains, 64.8 g), but 'gr' and 'kgr' are "
             "written for the gram and the kilogram: write 'g' or 'kg' (or 'grain' if grains are meant)",
    # refused while the check judged every reading of 'ct' (as a centitonne); pint reads it as the carat, which
    # no raw-material plant weighs in, and 'ct' is also written for the centner (100 kg)
    "carat": "pint's 'ct' is the carat (0.2 g), but 'ct' is also written for the centner (100 kg) or a centitonne: "
             "write the amount in 'g', 'kg' or 't'",
}

#: Prefixes a metric tonne takes in plant records; any other ('mt', a millitonne, is 1 kg) is refused.
TONNE_PREFIXES = ("", "kilo", "mega", "giga")

#: Energy and power in sub-unit prefixes: a plant's meters read MWh, MJ or GJ, never milli-; 'mWh' and 'mJ' are
#: one capital letter from 'MWh' and 'MJ' and 1e9 times smaller (an electricity input 'mWh' was declared at
#: a billionth, exit 0).
ENERGY_BASES = frozenset({"joule", "watt_hour", "watt", "calorie", "british_thermal_unit"})
SUB_UNIT_PREFIXES = frozenset({"deci", "centi", "milli", "micro", "nano", "pico", "femto", "atto"})

#: Lengths below a millimetre: no plant records freight or a distance in them, and 'nm' (also 'NM') is what
#: shipping writes for the nautical mile, so pint's nanometre made a sea leg of 1e6 't*nm' 1e-6 t*km, a
#: tonne-nautical-mile figure declared as nothing, exit 0.
TINY_LENGTH_PREFIXES = frozenset({"micro", "nano", "pico", "femto", "atto"})

#: pint's explicit names for a unit whose short name is ambiguous: written out, they are meant.
EXPLICIT_NAMES = frozenset({"short_ton", "US_liquid_gallon", "liquid_gallon", "avoirdupois_ounce",
                            "short_hundredweight", "US_liquid_quart", "liquid_quart", "US_liquid_pint",
                            "liquid_pint", "US_fluid_ounce", "US_liquid_ounce", "grain"})


#: Why Nm3 does not convert into Sm3 or m**3 (units.txt gives Nm3 a dimension of its own; Sm3 is m**3).
GAS_VOLUMES = ("; a normal cubic metre (Nm3, 0 °C) holds 1.055 standard cubic metres (Sm3, 15 °C, the m**3 of gas "
               "in the datasets and biosphere3) of the same gas: give the amount in Sm3 (Nm3 x 1.0549)")


def _cache_dir() -> Path:
    """pint's parsed-definitions cache, one directory per pint version and definitions file.

    Only ``build_cache`` (run by set-up, which holds the writer lock) writes it, complete,
    by renaming a finished directory into place: pint writes its cache files in place, and
    two first-use processes reading and writing them at once read half a file.
    """
    import hashlib

    import pint

    from footprint.paths import home

    key = hashlib.sha256(pint.__version__.encode() + _DEFINITIONS.read_bytes()).hexdigest()[:16]
    return home() / "cache" / f"pint-{key}"


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The engine's unit registry (built once; pint registries are expensive); reads pint's cache, never writes it."""
    import pint

    from footprint._io import trusted_folder
    from footprint.paths import home

    cache = _cache_dir()
    ureg = None
    # pint unpickles what it finds there: a folder another user may write is not read (umask 000)
    if cache.is_dir() and trusted_folder(cache, home()):
        try:
            ureg = pint.UnitRegistry(cache_folder=cache)  # parsed definitions cached: 0.2 s -> 0.03 s
        except Exception:  # noqa: BLE001 - a damaged cache only costs time
            ureg = None
    if ureg is None:
        ureg = pint.UnitRegistry()
    ureg.load_definitions(str(_DEFINITIONS))
    return ureg


def build_cache() -> None:
    """Fill pint's cache in a private directory and rename it into place (no reader sees it half-written)."""
    import shutil
    import tempfile

    import pint

    cache = _cache_dir()
    if cache.is_dir():
        return
    from footprint._io import keep_private_to_writes

    cache.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pint-", dir=cache.parent))
    try:
        pint.UnitRegistry(cache_folder=work).load_definitions(str(_DEFINITIONS))
        keep_private_to_writes(work)  # pickles pint runs: nobody else may change them (umask 000)
        keep_private_to_writes(cache.parent, inside=False)  # footprint's own cache folder, nor rename them
        work.rename(cache)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)


#: Gas volumes as metering reports write them.  pint read 'Nm³', 'Nm^3' and 'Nm**3' as (number metre)
#: cubed, which converts to nothing, so a plant's own spelling was refused as 'wrong dimension [length]'.
GAS_SPELLINGS: dict[str, str] = {f"{kind}m{power}": f"{kind}m3" for kind in ("N", "S")
                                 for power in ("³", "^3", "**3")}


def pint_expression(unit: str) -> str:
    """Translate a Brightway unit name (or a gas volume's spelling) to a pint expression; others pass through."""
    token = unit.strip()
    return BRIGHTWAY_UNITS.get(token) or GAS_SPELLINGS.get(token, token)


#: Longest unit string parsed (the longest real one, a Brightway name like 'kilowatt hour', is far shorter).
MAX_UNIT_CHARS = 64


def _parse_unit(unit: Any, *, file: str | Path | None, field: str | None) -> pint.Unit:
    if not isinstance(unit, str) or not unit.strip():
        raise UnitError("missing unit", file=file, field=field, value=unit,
                        expected="a unit such as 'kg', 't', 'kWh', 'MJ', 'm**3', 'tkm'")
    token = unit.strip()
    if len(token) > MAX_UNIT_CHARS:  # pint's prefix matching is quadratic: 40,000 characters took 48 s
        raise UnitError(f"unit too long ({len(token)} characters)", file=file, field=field, value=unit,
                        expected=f"a unit of at most {MAX_UNIT_CHARS} characters such as 'kg', 't', 'kWh', 'MJ'")
    if token in AMBIGUOUS_UNITS and AMBIGUOUS_UNITS[token]:
        raise UnitError(f"ambiguous unit: {AMBIGUOUS_UNITS[token]}", file=file, field=field, value=unit)
    try:
        parsed = _unit(token)
    except Exception as exc:  # noqa: BLE001 - pint raises ZeroDivisionError, TokenError, ... on odd strings
        raise UnitError("unknown unit", file=file, field=field, value=unit,
                        expected="a pint unit such as 'kg', 't', 'kWh', 'MJ', 'L', 'm**3', 'tkm'") from exc
    trap = _ambiguity(pint_expression(token))
    if trap is not None:
        raise UnitError(f"ambiguous unit: {trap}", file=file, field=field, value=unit)
    return parsed


_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


@lru_cache(maxsize=512)
def _ambiguity(expression: str) -> str | None:
    """Why a name in ``expression`` (a unit pint accepts) is not what its writer most likely means, or None.

    Each name is taken apart as pint takes it (prefix, base unit, plural 's'), so that the trap is
    caught whatever prefix, plural or product it comes in (AMBIGUOUS_BASES, TONNE_PREFIXES).
    """
    ureg = registry()
    for name in _NAME.findall(expression):
        if name in EXPLICIT_NAMES:
            continue
        try:
            readings = ureg.parse_unit_name(name)
        except Exception:  # noqa: BLE001 - a name pint cannot take apart failed to parse above already
            continue
        # pint reads a name that can be taken apart in several ways by the first reading (its get_name):
        # judging the others refused what pint does not read ('ft' in 'ft**3', a cubic foot, was refused
        # as a "femtotonne"), and named a unit that was not the one used ('ct' is read as the carat)
        for prefix, base, _suffix in readings[:1]:
            base = ureg.get_name(base)
            if base in AMBIGUOUS_BASES:
                return f"'{name}': {AMBIGUOUS_BASES[base]}"
            if base == "metric_ton" and prefix not in TONNE_PREFIXES:
                return (f"'{name}' is read as a {prefix}tonne, which no plant records (SI's 'mt' is a millitonne, "
                        "1 kg, not the metric tonne): write 't' or 'tonne'")
            if base in ENERGY_BASES and prefix in SUB_UNIT_PREFIXES:
                return (f"'{name}' is read as {prefix}-{base.replace('_', '-')}s, which no plant meters (a capital "
                        "M, mega-, is one letter away): write the amount in 'MWh', 'kWh', 'MJ' or 'GJ'")
            if base == "meter" and prefix in TINY_LENGTH_PREFIXES:
                return (f"'{name}' is read as {prefix}metres, which no plant records ('nm' is the nautical mile in "
                        "shipping, pint's nanometre): write 'nmi' for the nautical mile (1.852 km) or the amount "
                        "in 'km'")
            if base == "british_thermal_unit" and prefix == "mega":
                return (f"'{name}': in the energy trade MBtu is a thousand Btu (MMBtu a million), but pint reads it "
                        "as a million: write 'kBtu' for a thousand, or the amount in 'GJ' (1 MMBtu = 1.05506 GJ)")
    return None


@lru_cache(maxsize=512)
def _unit(token: str) -> pint.Unit:
    """A parsed unit, kept: a declaration converts ~300 amounts in a dozen spellings, and pint re-parses each."""
    return registry().Unit(pint_expression(token))


def parse_amount(amount: Any, *, file: str | Path | None = None, field: str | None = None,
                 allow_negative: bool = False, error: type[FootprintError] = UnitError) -> float:
    """A finite number from user input; strings, booleans, NaN and negatives are refused."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise error("amount is not a number", file=file, field=field, value=amount,
                        expected="a number (without the unit; put the unit in 'unit')")
    try:
        value = float(amount)
    except OverflowError:  # an integer beyond any float
        raise error("amount out of range", file=file, field=field, value=amount,
                    expected="a number below 1.8e308") from None
    if not math.isfinite(value):
        raise error("amount is not finite", file=file, field=field, value=amount, expected="a finite number")
    if value < 0 and not allow_negative:
        raise error("amount is negative", file=file, field=field, value=amount,
                        expected="a number >= 0 (report outputs as outputs, not negative inputs)")
    return value


def accepts(amount: Any, unit: Any) -> bool:
    """True when ``parse_amount(amount)`` and ``check_unit(unit)`` would both accept these as they are.

    For the common case only (a plain non-negative finite float or int, a unit the table knows),
    so that a caller checking 20,000 amounts builds no field path for the ones that pass; on
    False the caller runs those two checks, which refuse with their messages (or accept).
    """
    kind = type(amount)
    if kind is float:
        plain = 0.0 <= amount < math.inf  # NaN compares False
    elif kind is int:
        plain = 0 <= amount < _LARGEST_PLAIN_INT  # float(amount) is finite
    else:
        return False  # bool, str, None, subclasses: parse_amount decides
    return plain and type(unit) is str and _kept_known(unit)


#: Integers below this convert to a finite float (parse_amount refuses larger ones as out of range).
_LARGEST_PLAIN_INT = 10**308


def convert(amount: float, unit: str, target: str, *, file: str | Path | None = None,
            field: str | None = None) -> float:
    """Convert ``amount`` from ``unit`` to ``target`` or raise a UnitError naming both.

    Common spellings take pint's own factor from the table pint wrote (``amount * factor``
    is what pint computes, bit for bit); anything else goes through pint.
    """
    if isinstance(unit, str) and isinstance(target, str) and type(amount) in (float, int):
        factor = _kept_factor(unit, target)
        if factor is not None:
            try:
                converted: float | None = float(amount * factor) if factor != 1.0 else float(amount)
            except OverflowError:  # an integer beyond any float: pint's path below names it
                converted = None
            if converted is not None and (math.isfinite(converted)
                                          or (isinstance(amount, float) and not math.isfinite(amount))):
                return converted  # else: pint's path below names the overflow
    source_unit = _parse_unit(unit, file=file, field=field)
    target_unit = _parse_unit(target, file=file, field=field)
    try:
        converted = float(registry().Quantity(amount, source_unit).to(target_unit).magnitude)
    except _dimensionality_error() as exc:
        gas = "gas_volume" in f"{source_unit.dimensionality}{target_unit.dimensionality}"
        raise UnitError(
            f"unit of the wrong dimension: '{unit}' ({source_unit.dimensionality}) "
            f"cannot be converted to '{target}' ({target_unit.dimensionality})" + (GAS_VOLUMES if gas else ""),
            file=file, field=field, value=unit, expected=f"a unit convertible to '{target}'",
        ) from exc
    if not math.isfinite(converted) and math.isfinite(amount):
        raise UnitError(f"the amount overflows when converted from '{unit}' to '{target}' ({amount!r} {unit})",
                        file=file, field=field, value=amount,
                        expected="an amount that fits a floating-point number (below 1.8e308) in the dataset's "
                                 "unit; check the amount and its unit")
    return converted


def convertible(unit: str, target: str) -> bool:
    """Whether ``unit`` converts to ``target`` (a unit of mass, of energy, ...); ``convert`` says why not."""
    try:
        convert(1.0, unit, target)
    except UnitError:
        return False
    return True


def _dimensionality_error() -> type[Exception]:
    import pint

    return pint.errors.DimensionalityError


def check_unit(unit: Any, *, file: str | Path | None = None, field: str | None = None) -> str:
    """Validate a unit string and return it stripped."""
    if isinstance(unit, str) and _kept_known(unit):
        return unit.strip()
    _parse_unit(unit, file=file, field=field)
    return unit.strip()


# ----------------------------------------------------------------------------- pint's factors, kept
# Importing pint and building its registry costs a fifth of a second, more than a whole warm declaration
# and half of what 'footprint rules list' may take.  The units people and datasets write are a few dozen
# spellings; ``write_table`` asks pint for the factor between every two of the same dimension and keeps
# them in unit_table.json (tests/test_units.py regenerates it and requires it equal).  The table is used
# only while units.txt is the file it was written from; any other spelling is parsed by pint as before.

_TABLE_FILE = Path(__file__).with_name("unit_table.json")

#: Spellings whose conversions are kept (pint expressions; Brightway names map onto them).
COMMON_UNITS = ("kg", "g", "mg", "t", "tonne", "Mt", "lb", "Wh", "kWh", "MWh", "GWh", "TWh", "J", "kJ", "MJ",
                "GJ", "TJ", "tkm", "t*km", "Mt*km", "kg*km", "km", "m", "m**3", "L", "l", "ML", "Nm3",
                "Sm3", "Bq", "kBq", "MBq", "m**2", "ha", "m**2*year", "m**3*year", "m*year", "dimensionless", "W",
                "kW", "MW", "h", "year", *BRIGHTWAY_UNITS.values())


def _definitions_sha256() -> str:
    import hashlib

    return hashlib.sha256(_DEFINITIONS.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def _table() -> tuple[frozenset[str], dict[tuple[str, str], float]]:
    """(spellings pint accepts, (from, to) -> pint's factor), or nothing if units.txt changed since."""
    import json

    try:
        stored = json.loads(_TABLE_FILE.read_text())
    except (OSError, ValueError):
        return frozenset(), {}
    if stored.get("definitions_sha256") != _definitions_sha256():
        return frozenset(), {}
    factors = {}
    for key, value in stored["factors"].items():
        source, target = key.split(" -> ")
        factors[(source, target)] = float(value)
    return frozenset(stored["units"]), factors


#: (the factors dict of the table in use, (unit, target) -> factor or None, unit -> known): answers that are
#: a pure function of the unit strings and that table.  Held with the table itself, so a reloaded table
#: (tests clear ``_table``) starts over instead of answering from the old one.
_KEPT: tuple[dict | None, dict[tuple[str, str], float | None], dict[str, bool]] = (None, {}, {})
#: Most answers kept per kind (a declaration uses a few dozen spellings; the bound keeps odd input from growing it).
_KEPT_MAX = 4096


def _kept_tables() -> tuple[dict[tuple[str, str], float | None], dict[str, bool]]:
    """The memo dicts for the table in use (emptied when ``_table`` gives another table)."""
    global _KEPT
    factors = _table()[1]
    if _KEPT[0] is not factors:
        _KEPT = (factors, {}, {})
    return _KEPT[1], _KEPT[2]


def _kept_factor(unit: str, target: str) -> float | None:
    """pint's factor from ``unit`` to ``target`` as the table keeps it, or None (ambiguous or not kept).

    The same few unit pairs recur for every amount of a foreground (25,000 conversions in a
    1,000-process one): stripping, translating and looking each pair up again was most of ``convert``.
    """
    kept, _known = _kept_tables()
    key = (unit, target)
    factor = kept.get(key, _UNKNOWN)
    if factor is _UNKNOWN:
        factor = None
        if unit.strip() not in AMBIGUOUS_UNITS and target.strip() not in AMBIGUOUS_UNITS:
            factor = _table()[1].get((pint_expression(unit), pint_expression(target)))
        if len(kept) < _KEPT_MAX:
            kept[key] = factor
    return factor


def _kept_known(unit: str) -> bool:
    """Whether the table knows ``unit`` as a spelling pint accepts (and it is not an ambiguous one)."""
    _factors, known = _kept_tables()
    answer = known.get(unit)
    if answer is None:
        answer = pint_expression(unit) in _table()[0] and unit.strip() not in AMBIGUOUS_UNITS
        if len(known) < _KEPT_MAX:
            known[unit] = answer
    return answer


_UNKNOWN = object()


def table_from_pint() -> dict[str, Any]:
    """The table as pint computes it now (what unit_table.json must contain)."""
    ureg = registry()
    parsed = {}
    for spelling in dict.fromkeys(COMMON_UNITS):
        try:
            parsed[spelling] = ureg.Unit(spelling)
        except Exception:  # noqa: BLE001 - a spelling this pint does not know is simply not kept
            continue
    factors = {}
    for source, source_unit in parsed.items():
        for target, target_unit in parsed.items():
            if source_unit.dimensionality == target_unit.dimensionality:
                factors[f"{source} -> {target}"] = float(ureg.Quantity(1.0, source_unit).to(target_unit).magnitude)
    return {"definitions_sha256": _definitions_sha256(), "units": sorted(parsed), "factors": factors}


def write_table() -> Path:
    """Regenerate unit_table.json from pint (run after changing COMMON_UNITS, units.txt or pint)."""
    import json

    _TABLE_FILE.write_text(json.dumps(table_from_pint(), indent=0, sort_keys=True) + "\n")
    _table.cache_clear()
    return _TABLE_FILE
