"""Multi-output allocation (and, later, the Circular Footprint Formula).

Rare-earth separation yields several oxides at once; how the burden is split
between them is the largest methodological swing in REE footprints (NdPr oxide
3.5-5x its mass-allocated value under economic allocation).  The rule fixes the
method and the price basis; this module only does the arithmetic and checks
that shares close.
"""
from __future__ import annotations

from pathlib import Path

from footprint.errors import ActivityDataError

SHARE_TOLERANCE = 1e-6


def mass_shares(masses: dict[str, float]) -> dict[str, float]:
    """Share of each product in the total output mass."""
    total = sum(masses.values())
    if total <= 0:
        raise ValueError("total output mass must be positive")
    return {name: mass / total for name, mass in masses.items()}


def economic_shares(masses: dict[str, float], prices: dict[str, float]) -> dict[str, float]:
    """Share of each product in the total revenue (mass x price)."""
    revenue = {name: masses[name] * prices[name] for name in masses}
    total = sum(revenue.values())
    if total <= 0:
        raise ValueError("total revenue must be positive")
    return {name: value / total for name, value in revenue.items()}


def specified_shares(shares: dict[str, float | None], *, file: str | Path | None = None,
                     field: str | None = None) -> dict[str, float]:
    """Shares given by the producer: each in [0, 1] and together exactly 1."""
    missing = [name for name, share in shares.items() if share is None]
    if missing:
        raise ActivityDataError("allocation method 'specified' needs a 'share' for every product", file=file,
                                field=field, value=", ".join(missing), expected="a share between 0 and 1")
    for name, share in shares.items():
        if not 0 <= share <= 1:
            raise ActivityDataError(f"allocation share of '{name}' is outside [0, 1]", file=file, field=field,
                                    value=share, expected="a share between 0 and 1")
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ActivityDataError("co-product allocation shares do not add up to 1", file=file, field=field,
                                value=round(total, 9), expected="shares of all products summing to 1")
    return dict(shares)  # type: ignore[arg-type]
