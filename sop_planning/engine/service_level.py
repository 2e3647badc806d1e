"""Service-level targets and the normal-distribution helpers behind them.

Public API:

- ``DEFAULT_SERVICE_MATRIX``: target service level per ABC x XYZ class
  (``"AX"`` ... ``"CZ"``); copy it and change values to configure.
- ``DEFAULT_SERVICE_LEVEL``: target used when an item has no known class.
- ``service_level_for(abc, xyz, matrix=None)``: targets for arrays of classes.
- ``z_for(p)``: safety factor of a cycle service level (normal quantile).
- ``normal_loss(z)``: standard normal loss ``G(z) = E[(Z - z)+]``.
- ``z_for_fill_rate(fill_rate, order_qty, sigma)``: safety factor reaching a
  fill rate, from ``G(z) = (1 - fill_rate) x order_qty / sigma``.

All helpers take scalars or numpy arrays and are vectorised.
"""

import numpy as np
import pandas as pd
from scipy import special

from .errors import EngineInputError

DEFAULT_SERVICE_MATRIX = {
    "AX": 0.98,
    "AY": 0.97,
    "AZ": 0.95,
    "BX": 0.96,
    "BY": 0.95,
    "BZ": 0.92,
    "CX": 0.93,
    "CY": 0.90,
    "CZ": 0.85,
}
DEFAULT_SERVICE_LEVEL = 0.95

Z_MIN = 0.0
Z_MAX = 8.0


def service_level_for(abc, xyz, matrix=None):
    """Return the target of each item from its ABC and XYZ classes.

    Unknown or missing classes take ``DEFAULT_SERVICE_LEVEL``.
    """
    matrix = DEFAULT_SERVICE_MATRIX if matrix is None else matrix
    keys = (
        pd.Series(abc, dtype=object)
        .astype(str)
        .str.upper()
        .str.cat(pd.Series(xyz, dtype=object).astype(str).str.upper())
    )
    return keys.map(matrix).fillna(DEFAULT_SERVICE_LEVEL).to_numpy(dtype=float)


def _check_probability(p, name):
    p = np.asarray(p, dtype=float)
    if np.any(~((p > 0) & (p < 1))):
        bad = p[~((p > 0) & (p < 1))].flat[0]
        raise EngineInputError(f"{name} must be strictly between 0 and 1 (got {bad})")
    return p


def z_for(p):
    """Return the safety factor z of cycle service level ``p`` (0 < p < 1)."""
    return special.ndtri(_check_probability(p, "service level"))


def normal_loss(z):
    """Return the standard normal loss function ``G(z) = phi(z) - z (1 - Phi(z))``."""
    z = np.asarray(z, dtype=float)
    density = np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi)
    return density - z * special.ndtr(-z)


def z_for_fill_rate(fill_rate, order_qty, sigma):
    """Return z such that ``sigma x G(z) = (1 - fill_rate) x order_qty``.

    This is the (s, Q) fill-rate rule: the expected shortage per replenishment
    cycle equals the allowed share of the order quantity. z is kept within
    ``[Z_MIN, Z_MAX]``: a lot large enough to reach the fill rate on its own
    needs no safety stock, and a negative one is never proposed. Where
    ``sigma`` is 0 the demand is certain and z is ``Z_MIN``.
    """
    fill_rate = _check_probability(fill_rate, "fill rate")
    order_qty = np.asarray(order_qty, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        target_loss = np.where(sigma > 0, (1.0 - fill_rate) * order_qty / sigma, np.inf)
    low = np.full(np.broadcast(fill_rate, order_qty, sigma).shape, Z_MIN)
    high = np.full_like(low, Z_MAX)
    for _ in range(60):
        middle = 0.5 * (low + high)
        too_short = normal_loss(middle) > target_loss
        low = np.where(too_short, middle, low)
        high = np.where(too_short, high, middle)
    return np.where(normal_loss(Z_MIN) <= target_loss, Z_MIN, high)
