"""Units: one pint registry for the whole engine.

Activity data arrive in whatever unit a plant records (t, MWh, GJ, m3, L);
Brightway stores plain unit strings ("kilogram", "kilowatt hour").  Every
amount passes through here so a wrong dimension is caught with the file and
field that carried it, and so the US short ton never sneaks in: pint's ``ton``
is 907 kg, which is never what a rare-earth producer means.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pint

from footprint.errors import FootprintError, UnitError

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
}


def _cache_dir() -> Path:
    """pint's parsed-definitions cache, one directory per pint version and definitions file.

    Only ``build_cache`` (run by set-up, which holds the writer lock) writes it, complete,
    by renaming a finished directory into place: pint writes its cache files in place, and
    two first-use processes reading and writing them at once read half a file.
    """
    import hashlib

    from footprint.paths import home

    key = hashlib.sha256(pint.__version__.encode() + _DEFINITIONS.read_bytes()).hexdigest()[:16]
    return home() / "cache" / f"pint-{key}"


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The engine's unit registry (built once; pint registries are expensive); reads pint's cache, never writes it."""
    cache = _cache_dir()
    ureg = None
    if cache.is_dir():
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

    cache = _cache_dir()
    if cache.is_dir():
        return
    cache.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pint-", dir=cache.parent))
    try:
        pint.UnitRegistry(cache_folder=work).load_definitions(str(_DEFINITIONS))
        work.rename(cache)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)


def pint_expression(unit: str) -> str:
    """Translate a Brightway unit name to a pint expression; other strings pass through."""
    return BRIGHTWAY_UNITS.get(unit.strip(), unit.strip())


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
        return _unit(token)
    except Exception as exc:  # noqa: BLE001 - pint raises ZeroDivisionError, TokenError, ... on odd strings
        raise UnitError("unknown unit", file=file, field=field, value=unit,
                        expected="a pint unit such as 'kg', 't', 'kWh', 'MJ', 'L', 'm**3', 'tkm'") from exc


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


def convert(amount: float, unit: str, target: str, *, file: str | Path | None = None,
            field: str | None = None) -> float:
    """Convert ``amount`` from ``unit`` to ``target`` or raise a UnitError naming both."""
    source_unit = _parse_unit(unit, file=file, field=field)
    target_unit = _parse_unit(target, file=file, field=field)
    try:
        converted = float(registry().Quantity(amount, source_unit).to(target_unit).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitError(
            f"unit of the wrong dimension: '{unit}' ({source_unit.dimensionality}) "
            f"cannot be converted to '{target}' ({target_unit.dimensionality})",
            file=file, field=field, value=unit, expected=f"a unit convertible to '{target}'",
        ) from exc
    if not math.isfinite(converted) and math.isfinite(amount):
        raise UnitError(f"the amount overflows when converted from '{unit}' to '{target}' ({amount!r} {unit})",
                        file=file, field=field, value=amount,
                        expected="an amount that fits a floating-point number (below 1.8e308) in the dataset's "
                                 "unit; check the amount and its unit")
    return converted


def check_unit(unit: Any, *, file: str | Path | None = None, field: str | None = None) -> str:
    """Validate a unit string and return it stripped."""
    _parse_unit(unit, file=file, field=field)
    return unit.strip()
