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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Relative:
    """A distribution of a multiplier m of an amount (m = 1 is the deterministic value).

    stats_arrays fields: lognormal: ln m ~ N(0, scale); normal: m ~ N(1, scale);
    uniform: m ~ U(minimum, maximum); triangular: mode ``loc`` in [minimum, maximum].
    ``basis`` says where it came from ("producer", "pedigree", "dataset", ...) and
    ``note`` how (e.g. the pedigree factors used).
    """

    type: int
    loc: float = 1.0
    scale: float = 0.0
    minimum: float = 1.0
    maximum: float = 1.0
    basis: str = "producer"
    note: str = ""

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
        return out


def relative_or_error(distribution: Distribution, amount: float, *, error: type, file: str | Path | None,
                      field: str) -> Relative:
    """``distribution.relative(amount)`` with a failure turned into ``error`` naming file and field."""
    try:
        return distribution.relative(amount)
    except ValueError as exc:
        raise error(str(exc), file=file, field=f"{field}.uncertainty",
                    expected="a distribution around the amount (README 'Uncertainty')") from None
