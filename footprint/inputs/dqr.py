"""The PEF data-quality model: four criteria per datum or dataset.

It lives with the inputs because producers write DQR scores beside every amount
of their activity data, and reading those must not need the background library.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

#: A score is a number: ``true`` (YAML) or a TRUE cell (XLSX) was read as 1, the best score, and text as the
#: number it spells; both are refused, as amounts written as text are (README "Strict input rules").
Score = Annotated[float, Strict(), Field(ge=1, le=5, allow_inf_nan=False)]


class DQR(BaseModel):
    """PEF data quality criteria, 1 (best) to 5 (worst)."""

    model_config = ConfigDict(extra="forbid")
    TeR: Score
    GeR: Score
    TiR: Score
    P: Score

    @property
    def score(self) -> float:
        """DQR = (TeR + GeR + TiR + P) / 4 (PEF, Recommendation (EU) 2021/2279)."""
        return (self.TeR + self.GeR + self.TiR + self.P) / 4
