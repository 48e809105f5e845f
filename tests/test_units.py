"""Units: conversions the plants use, and the traps pint sets."""
from __future__ import annotations

import pytest

from footprint.errors import ActivityDataError, UnitError
from footprint.inputs import units


@pytest.mark.parametrize("amount, unit, target, expected", [
    (1, "t", "kg", 1000.0),
    (1, "tonne", "kg", 1000.0),
    (2.5, "Mt*km", "tkm", 2.5e6),
    (1, "tkm", "ton kilometer", 1.0),
    (1, "MWh", "kilowatt hour", 1000.0),
    (1, "GJ", "MJ", 1000.0),
    (1, "kWh", "MJ", 3.6),
    (1, "Nm3", "normal cubic meter", 1.0),
    (1, "Sm3", "standard cubic meter", 1.0),
    (1, "Sm3", "m**3", 1.0),
    (1000, "L", "cubic meter", 1.0),
    (1, "Nm³", "normal cubic meter", 1.0),  # pint: (number metre)**3, refused as [length]**3 before
    (1, "Nm^3", "Nm3", 1.0),
    (1, "Sm**3", "m**3", 1.0),
    (1, "kBq", "kilo Becquerel", 1.0),
])
def test_conversions(amount, unit, target, expected):
    assert units.convert(amount, unit, target) == pytest.approx(expected)


@pytest.mark.parametrize("unit, target", [("Nm3", "m**3"), ("Sm3", "Nm3"), ("Nm3", "standard cubic meter"),
                                          ("L", "Nm3"), ("kNm3", "m**3")])
def test_normal_cubic_metres_do_not_convert_into_standard_or_plain_ones(unit, target):
    """1 Nm3 (0 degC, 101.325 kPa) of a gas is 288.15/273.15 = 1.0549 Sm3 (15 degC, biosphere3's and the datasets'
    m3 of gas): read 1:1 (as before), 1,000 Nm3 of natural gas came out 5.2 % low (1000/1054.9), exit 0."""
    with pytest.raises(UnitError, match=r"wrong dimension.*normal cubic metre \(Nm3, 0 °C\) holds 1.055 standard"):
        units.convert(1000, unit, target, file="a.yaml", field="x.unit")


def test_us_short_ton_is_refused_with_the_reason():
    with pytest.raises(UnitError, match="short ton"):
        units.convert(1, "ton", "kg", file="a.yaml", field="x.unit")


def test_wrong_dimension_names_file_field_and_both_units():
    with pytest.raises(UnitError) as info:
        units.convert(1, "kWh", "kg", file="a.yaml", field="processes.p.inputs[0].unit")
    text = str(info.value)
    assert "a.yaml" in text and "processes.p.inputs[0].unit" in text and "'kWh'" in text and "'kg'" in text


def test_unknown_unit():
    with pytest.raises(UnitError, match="unknown unit"):
        units.check_unit("barrels of REO", file="a.yaml", field="u")


@pytest.mark.parametrize("bad", ["12", None, True, float("nan"), float("inf"), -1])
def test_amounts_must_be_finite_non_negative_numbers(bad):
    with pytest.raises(ActivityDataError):
        units.parse_amount(bad, error=ActivityDataError)


# ----------------------------------------------------------------------------- pint's factors, kept in a table

def test_the_kept_table_is_what_pint_computes_now():
    """unit_table.json must equal a fresh run of pint (regenerate with units.write_table() if this fails)."""
    import json

    stored = json.loads(units._TABLE_FILE.read_text())
    assert stored == units.table_from_pint()


@pytest.mark.parametrize("amount", [1, 1.0, 1234.5678, 3e-7, 0.1, 987654321.0])
def test_table_conversions_equal_pint_bit_for_bit(amount):
    spellings, factors = units._table()
    assert len(factors) > 100  # the table is in use, not silently empty
    ureg = units.registry()
    for (source, target) in factors:
        by_pint = float(ureg.Quantity(amount, ureg.Unit(source)).to(ureg.Unit(target)).magnitude)
        assert units.convert(amount, source, target) == by_pint, (source, target)


def test_the_table_never_lets_ambiguous_or_wrong_units_through():
    # Brightway's 'ton' is the tonne, but a user's 'ton' is refused before any table lookup
    with pytest.raises(UnitError, match="short ton"):
        units.convert(1, "ton", "kg")
    with pytest.raises(UnitError, match="short ton"):
        units.check_unit("ton")
    with pytest.raises(UnitError, match="wrong dimension"):  # not in the table: pint raises as before
        units.convert(1, "kWh", "kg")


@pytest.mark.parametrize("unit, target", [("kt", "kg"), ("kt*km", "tkm")])
def test_kt_is_refused_as_the_knot_it_is_in_pint(unit, target):
    with pytest.raises(UnitError, match="knot"):
        units.convert(45, unit, target, file="a.yaml", field="x.unit")
    with pytest.raises(UnitError, match="knot"):
        units.check_unit(unit)
    assert units.convert(45, "kilotonne*km", "tkm") == pytest.approx(45e3)  # the spelling the message offers


@pytest.mark.parametrize("unit, target, reason", [
    # pint read each of these without a word, exit 0; the factor it used is in the comment
    ("mt", "kg", "millitonne"),            # 1 mt = 1 kg: 'mt' for the metric ton came out 1000x low
    ("mt*km", "tkm", "millitonne"),
    ("millitonne", "kg", "millitonne"),
    ("tons*km", "tkm", "short ton"),       # 0.90718 t*km per ton*km: 9 % low
    ("ton km", "tkm", "short ton"),
    ("kiloton", "t", "short ton"),         # 907.18 t
    ("Mton", "t", "short ton"),            # 907,185 t
    ("megaton", "t", "short ton"),
    ("bbl", "L", "oil barrel"),            # 119.24 L, an oil barrel is 158.99 L: 25 % low
    ("barrel", "L", "oil barrel"),
    ("bbl/day", "L/day", "oil barrel"),
    ("gal", "L", "imperial gallon"),       # 3.785 L, an imperial gallon 4.546 L
    ("kgal", "L", "imperial gallon"),
    ("oz", "g", "troy"),                   # 28.35 g, a troy ounce of platinum 31.10 g: 9 % low
    ("ounce", "g", "troy"),
    ("cwt", "kg", "long one"),
    ("MBtu", "MJ", "thousand Btu"),        # 1,055 MJ for what the trade means as 1.055 MJ: 1000x high
    ("mWh", "kWh", "capital M"),  # 1e-6 kWh: a typed 'mWh' for MWh, 1e9x low
    ("mJ", "MJ", "capital M"),    # 1e-9 MJ
    ("mW*h", "kWh", "no plant meters"),
    ("mBtu", "MJ", "no plant meters"),     # pint: a milli-Btu; the trade's 'mBtu' is a thousand
    ("quart", "L", "20 %"),
    ("pint", "L", "20 %"),
    ("floz", "L", "fluid ounces"),
    ("bushel", "L", "bushels"),
    ("t*nm", "tkm", "nautical mile"),      # 1e-12 t*km: a sea leg in tonne-nautical-miles declared as nothing
    ("nm", "km", "nautical mile"),         # a leg's distance in 'nm': 1e-12 km
    ("kg*nm", "tkm", "nautical mile"),
    ("t*um", "tkm", "nautical mile"),      # no plant records freight in micrometres either
    ("ct", "kg", "carat"),                 # pint: 0.2 g; also written for the centner (100 kg)
    ("gr", "kg", "grain"),                 # 64.8 mg for what is written for a gram: 15x low
    ("kgr", "kg", "kilogram"),             # 64.8 g, a kilograin, for a kilogram
    ("grs", "g", "grain"),
    ("mgr", "g", "grain"),
])
def test_units_pint_reads_otherwise_than_the_trade_are_refused(unit, target, reason):
    with pytest.raises(UnitError, match="ambiguous unit") as info:
        units.convert(1, unit, target, file="a.yaml", field="x.unit")
    assert reason in str(info.value) and "a.yaml" in str(info.value) and "x.unit" in str(info.value)
    with pytest.raises(UnitError, match="ambiguous unit"):
        units.check_unit(unit)


@pytest.mark.parametrize("unit, target, expected", [
    # the spellings the messages offer mean one thing each, and convert to it
    ("oil_barrel", "L", 42 * 3.785411784),          # 42 US gal x 3.785411784 L = 158.987294928 L
    ("oil_bbl", "L", 42 * 3.785411784),
    ("US_liquid_gallon", "L", 3.785411784),         # 231 in**3 = 231 x 0.016387064 L
    ("imperial_gallon", "L", 4.54609),
    ("troy_ounce", "g", 31.1034768),                # 480 grains x 64.79891 mg
    ("avoirdupois_ounce", "g", 28.349523125),       # 1/16 of 453.59237 g
    ("short_ton", "kg", 907.18474),                 # 2000 x 0.45359237 kg
    ("kBtu", "MJ", 1.055056),                       # 1000 x 1055.056 J (pint's Btu, the EC therm / 100,000)
    ("Mt", "t", 1e6),
    ("kilotonne", "t", 1e3),
    ("ton kilometer", "tkm", 1.0),                  # Brightway's name: the metric tonne-kilometre
    ("t*nmi", "tkm", 1.852),                        # the nautical mile the 'nm' message offers
    ("grain", "g", 0.06479891),                     # the grain, written out, is meant
])
def test_the_spellings_offered_instead_convert_as_written(unit, target, expected):
    assert units.convert(1, unit, target) == pytest.approx(expected, rel=1e-12)


def test_a_changed_definitions_file_retires_the_table(monkeypatch):
    units._table.cache_clear()
    monkeypatch.setattr(units, "_definitions_sha256", lambda: "0" * 64)
    try:
        assert units._table() == (frozenset(), {})
        assert units.convert(2, "t", "kg") == 2000.0  # pint answers instead
    finally:
        units._table.cache_clear()


@pytest.mark.parametrize("amount, unit", [
    (2.0, "kg"), (0, "t"), (-0.0, "kWh"), (1e308, "MJ"), (10**300, "kg"), (" kg ", "kg"),
    (True, "kg"), (float("nan"), "kg"), (float("inf"), "kg"), (-1.0, "kg"), (-3, "t"), (10**400, "kg"),
    ("2", "kg"), (None, "kg"), (2.0, "ton"), (2.0, "kt"), (2.0, "nonsense"), (2.0, ""), (2.0, None), (2.0, 3),
])
def test_accepts_says_yes_only_where_both_checks_accept(amount, unit):
    """units.accepts is the shortcut activity checks take: True must mean parse_amount and check_unit accept
    (a True where one refuses would let a bad amount through with exit 0); False only sends to those checks."""
    if not units.accepts(amount, unit):
        return
    units.parse_amount(amount)
    units.check_unit(unit)


def test_accepts_the_common_case():
    assert units.accepts(2.0, "kg") and units.accepts(3, "t") and units.accepts(0.0, "kilowatt hour")
    assert not units.accepts(True, "kg") and not units.accepts(-1.0, "kg") and not units.accepts(2.0, "ton")


def test_kept_factors_start_over_with_a_new_table(monkeypatch):
    """The (unit, target) -> factor answers are kept per table: a retired table must not answer any more."""
    assert units._kept_factor("t", "kg") == 1000.0
    units._table.cache_clear()
    monkeypatch.setattr(units, "_definitions_sha256", lambda: "0" * 64)
    try:
        assert units._kept_factor("t", "kg") is None  # the retired table keeps nothing: pint answers
        assert not units._kept_known("kg")
        assert units.convert(2, "t", "kg") == 2000.0
    finally:
        monkeypatch.undo()
        units._table.cache_clear()
    assert units._kept_factor("t", "kg") == 1000.0  # the table back, its answers back


@pytest.mark.parametrize("unit, target, expected", [
    ("ft**3", "m**3", 0.028316846592),   # a US gas meter's cubic feet: refused as a "femtotonne" before
    ("ft", "m", 0.3048),
    ("t*ft", "kg*m", 1000 * 0.3048),
])
def test_a_name_is_judged_as_pint_reads_it_not_by_a_reading_pint_does_not_use(unit, target, expected):
    """pint reads 'ft' as the foot (its first reading); the check of ambiguous units also judged the second,
    'f' + 't' (a femtotonne), and refused a cubic foot with a message about a unit nobody wrote."""
    assert units.convert(1, unit, target) == pytest.approx(expected, rel=1e-12)
    assert units.check_unit(unit) == unit
