"""The PEF data-quality model: four criteria per datum or dataset.

It lives with the inputs because producers write DQR scores beside every amount
of their activity data, and reading those must not need the background library.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DQR(BaseModel):
    """PEF data quality criteria, 1 (best) to 5 (worst)."""

    model_config = ConfigDict(extra="forbid")
    TeR: float = Field(ge=1, le=5)
    GeR: float = Field(ge=1, le=5)
    TiR: float = Field(ge=1, le=5)
    P: float = Field(ge=1, le=5)

    @property
    def score(self) -> float:
        """DQR = (TeR + GeR + TiR + P) / 4 (PEF, Recommendation (EU) 2021/2279)."""
        return (self.TeR + self.GeR + self.TiR + self.P) / 4
