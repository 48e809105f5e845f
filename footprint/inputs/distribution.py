"""The uncertainty a producer states beside an amount: a probability distribution.

Four distributions, with the parameters and type ids of stats_arrays (the
library Brightway samples with), so a reader who knows Brightway reads them
without a dictionary::

    uncertainty: {type: lognormal, gsd: 1.2}              # median = amount; GSD = exp(sigma)
    uncertainty: {type: lognormal, scale: 0.18}           # stats_arrays: sigma of ln(x)
    uncertainty: {type: normal, sd: 40}                   # mean = amount (or scale: 40)
    uncertainty: {type: triangular, minimum: 80, maximum: 130}   # mode = amount unless 'mode' is given
    uncertainty: {type: uniform, minimum: 80, maximum: 130}

Minimum, maximum, mode and sd are in the amount's own unit.  The amount stays
the deterministic value (Annex V declares the point value); the distribution
says how far it may be off.

The engine carries every distribution *relative to its amount* (a multiplier
whose deterministic value is 1): unit conversions, allocation shares and a
background mapping then scale the amount and leave the distribution right,
with no second conversion to forget.  That is why an amount of 0 with a range
is refused: a range around nothing has no relative form (state the central
amount instead).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Strict, model_validator

#: stats_arrays uncertainty type ids (stats_arrays.distributions: 0 undefined, 1 no uncertainty, ...).
TYPE_IDS = {"none": 1, "lognormal": 2, "normal": 3, "uniform": 4, "triangular": 5}
TYPE_NAMES = {number: name for name, number in TYPE_IDS.items()}

#: A parameter is a number as written: a boolean or text is refused, as for amounts and DQR scores.  Read
#: leniently, 'gsd: true' (an XLSX TRUE cell) was a gsd of 1, no uncertainty at all on that amount, and
#: 'sd: "30"' a number, exit 0.
Parameter = Optional[Annotated[float, Strict()]]

#: The largest probability of a negative value a normal distribution may give an amount (which cannot be
#: negative).  P(X < 0) for X ~ N(amount, sd) is Phi(-amount/sd); Phi(-4.7534) = 1e-6, so a normal is taken
#: while amount >= 4.7534 sd (sd at most 21 % of the amount).
NEGATIVE_PROBABILITY = 1e-6


def negative_probability(amount: float, sd: float) -> float:
    """P(X < 0) for X ~ N(|amount|, sd): Phi(-|amount|/sd) = erfc(|amount| / (sd sqrt 2)) / 2."""
    if sd == 0:
        return 0.0
    return 0.5 * math.erfc(abs(amount) / (sd * math.sqrt(2.0)))


#: amount / sd below which a normal is refused: -Phi^-1(NEGATIVE_PROBABILITY), 4.7534 (bisected on
#: negative_probability so the two can never disagree)
def _normal_ratio() -> float:
    low, high = 0.0, 40.0
    for _ in range(200):
        middle = (low + high) / 2
        if negative_probability(middle, 1.0) > NEGATIVE_PROBABILITY:
            low = middle
        else:
            high = middle
    return high


NORMAL_RATIO = _normal_ratio()


class Distribution(BaseModel):
    """A producer's distribution for one amount (activity data, XLSX template)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["lognormal", "normal", "triangular", "uniform"]
    gsd: Parameter = None  # lognormal: geometric standard deviation exp(sigma), >= 1
    scale: Parameter = None  # stats_arrays: sigma of ln(x) (lognormal) or standard deviation (normal)
    sd: Parameter = None  # normal: standard deviation in the amount's unit
    minimum: Parameter = None
    maximum: Parameter = None
    mode: Parameter = None  # triangular: most likely value (default: the amount)

    @model_validator(mode="after")
    def _parameters(self) -> "Distribution":
        given = {k for k in ("gsd", "scale", "sd", "minimum", "maximum", "mode") if getattr(self, k) is not None}
        for key in given:
            if not math.isfinite(getattr(self, key)):
                raise ValueError(f"uncertainty '{key}' is not a finite number")
        allowed = {"lognormal": {"gsd", "scale"}, "normal": {"sd", "scale"},
                   "uniform": {"minimum", "maximum"}, "triangular": {"minimum", "maximum", "mode"}}[self.type]
        extra = sorted(given - allowed)
        if extra:
            raise ValueError(f"a {self.type} distribution takes {' and '.join(sorted(allowed))}, not "
                             f"{', '.join(extra)}")
        if self.type == "lognormal":
            if (self.gsd is None) == (self.scale is None):
                raise ValueError("a lognormal distribution needs exactly one of 'gsd' (>= 1) or 'scale' (sigma of "
                                 "ln x, >= 0)")
            if self.gsd is not None and self.gsd < 1:
                raise ValueError(f"gsd {self.gsd} is below 1; the geometric standard deviation is exp(sigma) >= 1")
            if self.scale is not None and self.scale < 0:
                raise ValueError(f"scale {self.scale} is negative; expected sigma of ln(x) >= 0")
        elif self.type == "normal":
            if (self.sd is None) == (self.scale is None):
                raise ValueError("a normal distribution needs exactly one of 'sd' or 'scale' (the standard "
                                 "deviation, in the amount's unit)")
            if (self.sd if self.sd is not None else self.scale) < 0:
                raise ValueError("the standard deviation is negative; expected a number >= 0")
        else:
            if self.minimum is None or self.maximum is None:
                raise ValueError(f"a {self.type} distribution needs 'minimum' and 'maximum'")
            if self.minimum > self.maximum:
                raise ValueError(f"minimum {self.minimum} is above maximum {self.maximum}")
        return self

    def relative(self, amount: float) -> "Relative":
        """This distribution as a multiplier of ``amount`` (checked: the amount must fit the range)."""
        if self.type == "lognormal":
            sigma = self.scale if self.scale is not None else math.log(self.gsd)
            return Relative(TYPE_IDS["lognormal"], scale=sigma)
        if amount == 0:
            raise ValueError("an amount of 0 cannot carry a normal, uniform or triangular distribution (its range "
                             "has no form relative to the amount); state the central amount, or leave it out")
        if self.type == "normal":
            sd = self.sd if self.sd is not None else self.scale
            _normal_keeps_its_sign(amount, sd)
            return Relative(TYPE_IDS["normal"], scale=sd / abs(amount))
        low, high = sorted((self.minimum / amount, self.maximum / amount))
        if self.minimum < 0 <= amount:
            # Why: amounts are >= 0, so a range reaching below 0 says the amount may change sign (a negative
            # fuel use or emission).  Left to the draws, whether a run was refused depended on N and the seed
            # (uniform -1..1300 around 1200 MWh: refused in some runs, declared with exit 0 in others).
            raise ValueError(f"the {self.type} range [{self.minimum:g}, {self.maximum:g}] reaches below 0: the "
                             f"amount {amount:g} could change sign; an amount is >= 0, so its range starts at 0 "
                             "or above")
        if not (self.minimum <= amount <= self.maximum):
            raise ValueError(f"the amount {amount:g} lies outside its {self.type} range [{self.minimum:g}, "
                             f"{self.maximum:g}]; the amount is the declared (deterministic) value and must lie "
                             "within its own distribution")
        if self.type == "uniform":
            return Relative(TYPE_IDS["uniform"], minimum=low, maximum=high)
        mode = amount if self.mode is None else self.mode
        if not (self.minimum <= mode <= self.maximum):
            raise ValueError(f"the mode {mode:g} lies outside [{self.minimum:g}, {self.maximum:g}]")
        return Relative(TYPE_IDS["triangular"], loc=mode / amount, minimum=low, maximum=high)


def _normal_keeps_its_sign(amount: float, sd: float) -> None:
    """Refuse a normal around an amount (which cannot be negative) that gives a negative value with P > 1e-6.

    Why decided here, before any draw: the Monte Carlo refuses a run in which a draw changes an amount's
    sign, so sd 25 % of 1,200 MWh (P(X < 0) = Phi(-4) = 3.2e-5 per draw) was declared with exit 0 at N 200
    and refused at N 20,000 with the same seed: a result that depended on the draws.  Now the same
    distribution gives the same answer at every N and seed.  Below the bound the run is as before.
    """
    probability = negative_probability(amount, sd)
    if probability > NEGATIVE_PROBABILITY:
        raise ValueError(
            f"the normal distribution with sd {sd:g} around the amount {amount:g} gives a negative value with "
            f"probability {probability:.2g} (amount/sd {abs(amount) / sd:.3g}): an amount is >= 0, and a normal "
            f"is taken only while that probability is at most {NEGATIVE_PROBABILITY:g} (amount >= "
            f"{NORMAL_RATIO:.4g} sd); state a lognormal (gsd, which never changes sign) or an sd of at most "
            f"{abs(amount) / NORMAL_RATIO:.4g}")


@dataclass(frozen=True)
class Relative:
    """A distribution of a multiplier m of an amount (m = 1 is the deterministic value).

    stats_arrays fields: lognormal: ln m ~ N(0, scale); normal: m ~ N(1, scale);
    uniform: m ~ U(minimum, maximum); triangular: mode ``loc`` in [minimum, maximum].
    ``basis`` says where it came from ("producer", "pedigree", "dataset", ...) and
    ``note`` how (e.g. the pedigree factors used).  ``dqr_spread``: on a producer's distribution,
    the pedigree lognormal its own DQR scores would have given (``narrower_than_dqr`` compares).
    """

    type: int
    loc: float = 1.0
    scale: float = 0.0
    minimum: float = 1.0
    maximum: float = 1.0
    basis: str = "producer"
    note: str = ""
    dqr_spread: Optional["Relative"] = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return TYPE_NAMES[self.type]

    @property
    def is_certain(self) -> bool:
        if self.type in (TYPE_IDS["lognormal"], TYPE_IDS["normal"]):
            return self.scale == 0
        if self.type == TYPE_IDS["none"]:
            return True
        return self.minimum == self.maximum

    def absolute(self, amount: float) -> dict:
        """stats_arrays fields of the distribution of ``amount`` itself (what a Brightway exchange carries)."""
        if self.type == TYPE_IDS["lognormal"]:
            if amount == 0 or self.scale == 0:
                return {"uncertainty type": TYPE_IDS["none"], "loc": amount}
            return {"uncertainty type": self.type, "loc": math.log(abs(amount)), "scale": self.scale,
                    "negative": amount < 0}
        if self.type == TYPE_IDS["normal"]:
            return {"uncertainty type": self.type, "loc": amount, "scale": self.scale * abs(amount)}
        if self.type == TYPE_IDS["none"]:
            return {"uncertainty type": self.type, "loc": amount}
        low, high = sorted((self.minimum * amount, self.maximum * amount))
        fields = {"uncertainty type": self.type, "minimum": low, "maximum": high, "loc": amount}
        if self.type == TYPE_IDS["triangular"]:
            fields["loc"] = self.loc * amount
        return fields

    @property
    def spread(self) -> float:
        """The width of this distribution as one number comparable with a lognormal's sigma of ln x.

        A lognormal: its sigma.  Any other: its standard deviation relative to the amount (the
        multiplier's sd: normal ``scale``; uniform (max - min)/sqrt 12; triangular
        sqrt((a^2 + b^2 + c^2 - ab - ac - bc)/18)), which for a narrow spread is what sigma is
        (sd/amount of a lognormal = sqrt(exp(sigma^2) - 1), about sigma).
        """
        if self.type == TYPE_IDS["lognormal"]:
            return self.scale
        if self.type == TYPE_IDS["normal"]:
            return self.scale
        if self.type == TYPE_IDS["uniform"]:
            return (self.maximum - self.minimum) / math.sqrt(12.0)
        if self.type == TYPE_IDS["triangular"]:
            a, b, c = self.minimum, self.maximum, self.loc
            return math.sqrt(max(0.0, a * a + b * b + c * c - a * b - a * c - b * c) / 18.0)
        return 0.0

    def narrower_than_dqr(self) -> dict | None:
        """The pedigree spread of this producer distribution's own DQR scores, where the stated one is narrower.

        Rule: a producer's distribution is narrower when its ``spread`` (sigma of ln x for a lognormal,
        sd/amount for the others) is below the sigma of the pedigree lognormal that the same amount's DQR
        scores and basic uncertainty give (footprint.data.pedigree; what the Monte Carlo takes when no
        distribution is stated).  Why: a stated distribution replaces the DQR-derived one, so ``gsd: 1``
        (or sd 0.1 %) on an amount scored P 4 made its 95 % interval narrower and its class probabilities
        better than its data quality supports, with no word said; too-wide spreads were already warned.
        None: not a producer's, no DQR spread known, or at least as wide.
        """
        implied = self.dqr_spread
        if self.basis != "producer" or implied is None or implied.type != TYPE_IDS["lognormal"]:
            return None
        if not self.spread < implied.scale * (1.0 - 1e-9):  # float noise is not narrower
            return None
        return {"stated_spread": self.spread, "scale": implied.scale, "gsd": math.exp(implied.scale),
                "note": implied.note}

    def describe(self) -> dict:
        """The relative distribution in a declaration (stats_arrays names, multiplier of the amount)."""
        out: dict = {"type": self.name, "basis": self.basis}
        if self.type == TYPE_IDS["lognormal"]:
            out.update(scale=self.scale, gsd=math.exp(self.scale))
        elif self.type == TYPE_IDS["normal"]:
            out["relative_sd"] = self.scale
        elif self.type in (TYPE_IDS["uniform"], TYPE_IDS["triangular"]):
            out.update(minimum=self.minimum, maximum=self.maximum)
            if self.type == TYPE_IDS["triangular"]:
                out["mode"] = self.loc
        if self.note:
            out["note"] = self.note
        narrower = self.narrower_than_dqr()
        if narrower is not None:  # recorded only then: the record of every other distribution is unchanged
            out["narrower_than_its_dqr"] = narrower
        return out


def relative_or_error(distribution: Distribution, amount: float, *, error: type, file: str | Path | None,
                      field: str, dqr_spread: Relative | None = None) -> Relative:
    """``distribution.relative(amount)`` with a failure turned into ``error`` naming file and field.

    ``dqr_spread``: the pedigree lognormal of the amount's DQR scores, kept on the result so the
    declaration can say when the stated distribution is narrower (Relative.narrower_than_dqr).
    """
    try:
        stated = distribution.relative(amount)
        return stated if dqr_spread is None else replace(stated, dqr_spread=dqr_spread)
    except ValueError as exc:
        raise error(str(exc), file=file, field=f"{field}.uncertainty", value=distribution.model_dump(exclude_none=True),
                    expected="a distribution around the amount (README 'Uncertainty')") from None
