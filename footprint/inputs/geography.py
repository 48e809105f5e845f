"""Where a facility is: ISO 3166-1 country codes and ISO 3166-2 subdivision codes, checked.

Why: the facility's country and region choose its grid (a rule's ``electricity/{region}``, then
``electricity/{country}``, then the world average) and score every secondary dataset's GeR. Any
string was taken: ``country: cn`` or ``country: XX`` found no grid and declared the world average
(the ndpr-oxide example: 44.99 instead of 46.56 kg CO2-Eq/kg), ``region: Inner Mongolia`` or a
typo (``CN-IM``) the national one, each with a warning and exit 0; the PACT export then wrote a
``geographyCountrySubdivision`` that is no ISO 3166-2 code. A code that names no country or no
subdivision of that country is now refused where it is read. A real subdivision the library has
no grid for still takes the rule's fallback: that is the rule's choice, not a typo.

The codes (``iso3166.json``) are Debian's iso-codes as packaged by pycountry, written by
``inventories/tools/iso3166.py``; the engine reads the file, not pycountry.
"""
from __future__ import annotations

import difflib
import json
from functools import lru_cache
from pathlib import Path

_FILE = Path(__file__).with_name("iso3166.json")


@lru_cache(maxsize=1)
def _codes() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    doc = json.loads(_FILE.read_text(encoding="utf-8"))
    return doc["countries"], doc["subdivisions"]


def country_problem(code: str) -> str | None:
    """Why ``code`` is not an ISO 3166-1 alpha-2 country code as written (None when it is one)."""
    countries, _ = _codes()
    if code in countries:
        return None
    if code.upper() in countries:
        return (f"a country is its ISO 3166-1 alpha-2 code in capitals: {code.upper()} "
                f"({countries[code.upper()]}), not {code!r}")
    return (f"{code!r} is no ISO 3166-1 alpha-2 country code (CN for China, DE for Germany, CL for Chile); "
            "the facility's country chooses its grid and scores every dataset's geography")


def region_problem(region: str, country: str) -> str | None:
    """Why ``region`` is not an ISO 3166-2 subdivision code of ``country`` (None when it is one).

    The hint lists the country's codes with their names, so that a region written by name
    (``Inner Mongolia``) finds its code (``CN-NM``, Nei Mongol Zizhiqu).
    """
    countries, subdivisions = _codes()
    own = subdivisions.get(country, {})
    if region in own:
        return None
    upper = region.upper()
    if upper in own:
        return f"a region is its ISO 3166-2 code in capitals: {upper} ({own[upper]}), not {region!r}"
    if f"{country}-{upper}" in own:
        return f"a region is written with its country: {country}-{upper} ({own[f'{country}-{upper}']}), not {region!r}"
    prefix = upper.split("-")[0]
    if "-" in upper and prefix != country and prefix in countries:
        return (f"{region!r} is a region of {countries[prefix]} ({prefix}), but the facility's country is "
                f"{country}")
    if not own:
        return f"{countries.get(country, country)} ({country}) has no ISO 3166-2 subdivisions: leave 'region' out"
    named = {name.lower(): code for code, name in own.items()}
    close = [named[n] for n in difflib.get_close_matches(region.lower(), list(named), n=3, cutoff=0.6)]
    close += [c for c in difflib.get_close_matches(upper, list(own), n=3, cutoff=0.6) if c not in close]
    listing = ", ".join(f"{code} {own[code]}" for code in (close or sorted(own)[:12]))
    more = "" if close or len(own) <= 12 else f", ... ({len(own)} in all)"
    return (f"{region!r} is no ISO 3166-2 subdivision code of {country}; "
            f"{'nearest' if close else 'codes'}: {listing}{more}")


def subdivisions(country: str) -> dict[str, str]:
    """The ISO 3166-2 subdivision codes of ``country`` with their names (empty for a country without any)."""
    return dict(_codes()[1].get(country, {}))


def country_code_of_name(location: str) -> str | None:
    """The ISO 3166-1 code of a country written out as its ISO name (openLCA's ``China``), else None.

    Why: a JSON-LD import keeps the location as openLCA writes it; ``within`` already took ``China`` for CN,
    but the DQR's GeR scored the same dataset as an unknown code (5).  Only the exact ISO name matches
    (case aside): a name written otherwise stays unknown, which never scores better.
    """
    return _country_names().get(location.strip().lower())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """ISO 3166-1 country names, lower-cased, to their codes (read once: GeR scores every dataset of every row)."""
    return {name.lower(): code for code, name in _codes()[0].items()}


def within(location: str, country: str, region: str | None) -> bool:
    """Whether a dataset's location describes where the facility is: its country or region, a grid region
    of its country that is no ISO subdivision (ecoinvent's ``CN-NCGC``, whose extent the codes cannot
    tell), or the same written out (openLCA's ``China``).  Another subdivision of the country (``CN-JX``
    for a facility in ``CN-NM``, or for one that states no region) is not where it is."""
    countries, subdivisions = _codes()
    if location in (country, region):
        return True
    if location.startswith(f"{country}-"):
        return location not in subdivisions.get(country, {})
    names = {countries.get(country, "").lower()}
    if region is not None:
        names.add(subdivisions.get(country, {}).get(region, "").lower())
    return location.strip().lower() in names - {""}
