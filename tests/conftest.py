"""Shared helpers for the engine tests."""

import numpy as np
import pandas as pd
import pytest


def long_history(matrix, freq="M", first="2020-01-01", item_ids=None):
    """Long ``item_id, period, qty`` table from an items x periods matrix."""
    matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
    n_items, n_periods = matrix.shape
    rule = "MS" if freq == "M" else "W-MON"
    periods = pd.date_range(first, periods=n_periods, freq=rule)
    item_ids = list(range(n_items)) if item_ids is None else list(item_ids)
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.asarray(item_ids, dtype=object), n_periods),
            "period": np.tile(periods.to_numpy(), n_items),
            "qty": matrix.ravel(),
        }
    )


@pytest.fixture
def make_history():
    """Factory fixture: ``make_history(matrix, freq="M", ...)``."""
    return long_history
