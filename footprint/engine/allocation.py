"""Multi-output allocation and the Circular Footprint Formula (material part, recycled content).

Rare-earth separation yields several oxides at once; how the burden is split
between them is the largest methodological swing in REE footprints (NdPr oxide
3.5-5x its mass-allocated value under economic allocation).  For secondary
material the other swing is how recycled content is credited: the PEF Circular
Footprint Formula shares the burden of virgin material between supplier and
user of the recycled material (A = 0.2 for metals), while a cut-off gives the
recycled input only its recycling burden.  The rule fixes the method and its
parameters; this module only does the arithmetic and checks that shares close.
"""
from __future__ import annotations

from pathlib import Path

from footprint.engine import exact
from footprint.errors import ActivityDataError

SHARE_TOLERANCE = 1e-6


def mass_shares(masses: dict[str, float]) -> dict[str, float]:
    """Share of each product in the total output mass."""
    total = exact.total(list(masses.values()))  # exact: the co-products' order does not move a share
    if total <= 0:
        raise ValueError("total output mass must be positive")
    return {name: mass / total for name, mass in masses.items()}


def economic_shares(masses: dict[str, float], prices: dict[str, float]) -> dict[str, float]:
    """Share of each product in the total revenue (mass x price)."""
    revenue = {name: masses[name] * prices[name] for name in masses}
    total = exact.total(list(revenue.values()))  # exact: the co-products' order does not move a share
    if total <= 0:
        raise ValueError("total revenue must be positive")
    return {name: value / total for name, value in revenue.items()}


def specified_shares(shares: dict[str, float | None], *, masses: dict[str, float] | None = None,
                     file: str | Path | None = None, field: str | None = None) -> dict[str, float]:
    """Shares given by the producer: each in [0, 1], together exactly 1, and none for a product not made.

    ``masses`` (kg of each product in the period): a share above 0 for a co-product of 0 kg moved the
    burden onto a product that does not exist.  Why: ndpr-oxide under a 'specified' separation with the
    SEG concentrate given 0 t and share 0.456 (the main product 0.5) declared 26.51 instead of 46.56 kg
    CO2-Eq/kg, exit 0; economic and mass allocation give such a product 0 by construction.
    """
    missing = [name for name, share in shares.items() if share is None]
    if missing:
        raise ActivityDataError("allocation method 'specified' needs a 'share' for every product", file=file,
                                field=field, value=", ".join(missing), expected="a share between 0 and 1")
    for name, share in shares.items():
        if not 0 <= share <= 1:
            raise ActivityDataError(f"allocation share of '{name}' is outside [0, 1]", file=file, field=field,
                                    value=share, expected="a share between 0 and 1")
    ghosts = [name for name, share in shares.items() if share > 0 and masses is not None and masses.get(name) == 0]
    if ghosts:
        raise ActivityDataError(f"allocation share of '{ghosts[0]}' is above 0, but none of it was produced in the "
                                "period", file=file, field=field, value=f"{ghosts[0]}: share {shares[ghosts[0]]}, "
                                "amount 0", expected="a share of 0 for a product not produced (its burden stays with "
                                                     "the products that were), or the amount produced")
    total = exact.total(list(shares.values()))
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ActivityDataError("co-product allocation shares do not add up to 1", file=file, field=field,
                                value=round(total, 9), expected="shares of all products summing to 1")
    return dict(shares)  # type: ignore[arg-type]


RECYCLED_CONTENT_METHODS = ("cff", "cut-off")


def cff_material(e_rec: float, e_v: float, r1: float, a: float, qsin_qp: float) -> float:
    """Material part of the CFF on the input side, per unit of material (cradle-to-gate, recycled content).

    (1 - R1)·Ev + R1·(A·Erec + (1 - A)·Ev·Qsin/Qp)  (methodology.md §2.6; Recommendation (EU)
    2021/2279 Annex I).  Erec is per unit of recycled material (the recycling processes only),
    Ev per unit of the virgin material it replaces.  The end-of-life terms (R2, R3) are outside
    a cradle-to-gate declaration.
    """
    _check_parameters(r1, a, qsin_qp)
    return (1.0 - r1) * e_v + r1 * (a * e_rec + (1.0 - a) * e_v * qsin_qp)


def cut_off_material(e_rec: float, e_v: float, r1: float) -> float:
    """Cut-off ("recycled content") approach: recycled input carries only its recycling burden.

    (1 - R1)·Ev + R1·Erec, i.e. the CFF with A = 1.
    """
    _check_parameters(r1, 1.0, 1.0)
    return (1.0 - r1) * e_v + r1 * e_rec


def cff_adjustment(e_rec_total: float, e_v: float, recycled: float, a: float, qsin_qp: float) -> float:
    """The CFF line added to a foreground that counts recycling and virgin inputs as they are (cut-off).

    Per declared unit the foreground holds Rm·Erec (``e_rec_total``: the recycling processes'
    burden, Rm = ``recycled`` kg of recycled material) and the virgin inputs in full, i.e.
    the cut-off value.  The CFF gives the recycled share Rm·(A·Erec + (1-A)·Ev·Qsin/Qp)
    instead of Rm·Erec, so the difference is (1-A)·(Rm·Ev·Qsin/Qp - Rm·Erec).  Virgin
    inputs and processes after the material is made are not touched.
    """
    _check_parameters(0.0, a, qsin_qp)
    if recycled < 0:
        raise ValueError(f"recycled material must be >= 0, got {recycled}")
    return (1.0 - a) * (recycled * e_v * qsin_qp - e_rec_total)


def recycled_content_burden(method: str, e_rec: float, e_v: float, r1: float, a: float | None = None,
                            qsin_qp: float | None = None) -> float:
    """The material burden of 1 unit of material under the rule's recycled-content method."""
    if method == "cff":
        if a is None or qsin_qp is None:
            raise ValueError("the CFF needs A and Qsin/Qp")
        return cff_material(e_rec, e_v, r1, a, qsin_qp)
    if method == "cut-off":
        return cut_off_material(e_rec, e_v, r1)
    raise ValueError(f"unknown recycled-content method {method!r}; expected one of {RECYCLED_CONTENT_METHODS}")


def _check_parameters(r1: float, a: float, qsin_qp: float) -> None:
    if not 0.0 <= r1 <= 1.0:
        raise ValueError(f"R1 must be within [0, 1], got {r1}")
    if not 0.0 <= a <= 1.0:
        raise ValueError(f"A must be within [0, 1], got {a}")
    if not 0 < qsin_qp <= 1:  # the rule model refuses it too: a recycled kg never replaces more than 1 kg virgin
        raise ValueError(f"Qsin/Qp must be within (0, 1], got {qsin_qp}")
