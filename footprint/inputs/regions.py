"""The multi-country geographies a dataset may state, and which countries each one is valid for.

Why: a secondary dataset's GeR is re-scored where it is used (methodology.md section 2.4: 2 when the process
takes place in the region, e.g. Europe, the dataset is valid for; 5 in another country).  The engine knew
only ``EU-27`` and ``GLO``, so a dataset valid for ``RER`` (ecoinvent's and premise's Europe: the library's
fuel/natural-gas-upstream, most datasets taken from ecoinvent-style databases) used at a German facility
scored GeR 5, "another country", exit 0.

Each region lists its members explicitly: a country is counted in only where its membership is not in
doubt.  ``RER`` is listed as EU-27, EFTA and the United Kingdom; the other European countries (the
western Balkans, Ukraine, Moldova, Belarus, and the transcontinental Russia and Turkey) are left out: a
facility there scores 5 with RER, never better than the engine can show.  ``Europe without Switzerland``
(ecoinvent's name) is the same list without CH.

``RoW`` (ecoinvent's "rest of the world") is the world minus the countries that have their own dataset of
the same activity; the engine does not see which those are, so a facility's country may be one of the
excluded ones.  It is scored as a global average (GLO's 3), never better.
"""
from __future__ import annotations

EU27 = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR EL HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
EFTA = frozenset("IS LI NO CH".split())
#: ecoinvent's Europe (RER), as far as membership is unambiguous: EU-27, EFTA, the United Kingdom.
EUROPE = EU27 | EFTA | frozenset({"GB"})

#: A continental region -> the countries it is valid for (ISO 3166-1 alpha-2; EL is the EU's code for Greece).
CONTINENTAL = {
    "EU-27": EU27,
    "RER": EUROPE,
    "Europe without Switzerland": EUROPE - {"CH"},
}
#: Geographies valid for every country: GLO; RoW counted as GLO (its excluded countries are not known here).
WORLD = ("GLO", "RoW")

#: Every multi-country geography a dataset may state beside ISO 3166 codes.
DATASET_REGIONS = (*WORLD, *CONTINENTAL)
