"""Cleaning of the items x periods demand matrix.

Cells before an item's start are NaN and stay NaN. ``impute_censored`` fills
unknown (censored) cells inside an item's life; ``cap_outliers`` caps non-zero
demands at a robust band and never touches zeros, so intermittent patterns keep
their zeros.
"""

import numpy as np

MAD_TO_SIGMA = 1.4826
# robust standard deviations above an item's median sale past which a period
# is a data error or a one-off order, not demand that recurs (chosen on the
# choose half for the policies, see README): capped there by the planning
# history, and in the forecast's error scales and ABC value
GROSS_OUTLIER_MAD = 30.0


def impute_censored(qty, censored):
    """Return a copy of ``qty`` with censored cells set to the item's mean.

    The mean is taken over the item's known in-life periods (zeros included);
    an item with no known period gets zero.
    """
    known = np.where(censored, np.nan, qty)
    count = np.sum(np.isfinite(known), axis=1)
    total = np.nansum(known, axis=1)
    mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    return np.where(censored, mean[:, None], qty)


def cap_outliers(qty, k):
    """Cap non-zero demands of each item to ``median +- k * MAD``.

    Median and MAD (scaled to a normal sigma) are taken over the item's
    non-zero demands. When the MAD is zero the standard deviation of those
    demands is used instead, at most the median itself (one huge spike would
    otherwise widen the band past itself). Zeros and NaN cells are left as
    they are.
    """
    if k is None:
        return qty
    nonzero = np.where(qty > 0, qty, np.nan)
    has_sizes = np.isfinite(nonzero).any(axis=1)
    median = np.zeros(len(qty))
    spread = np.zeros(len(qty))
    sizes = nonzero[has_sizes]
    median[has_sizes] = np.nanmedian(sizes, axis=1)
    mad = np.nanmedian(np.abs(sizes - median[has_sizes, None]), axis=1)
    fallback = np.minimum(np.nanstd(sizes, axis=1), median[has_sizes])
    spread[has_sizes] = np.where(mad > 0, MAD_TO_SIGMA * mad, fallback)
    upper = (median + k * spread)[:, None]
    lower = np.maximum(median - k * spread, 0.0)[:, None]
    capped = np.clip(qty, lower, upper)
    return np.where(qty > 0, capped, qty)
