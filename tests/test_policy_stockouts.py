"""A month out of stock (or with sales cut short) has no known demand: the
policy law leaves it out, it does not count it as a month without sales."""

import numpy as np
import pandas as pd
from test_policy_launch import plan

from sop_planning.engine.policy_law import history_matrix, resample_demand

OUT_OF_STOCK = [14, 15, 16, 20, 21, 22]  # months without a known demand


def steady_item(stockouts=()):
    """Two years of 10 a month, the ``stockouts`` months unknown (NaN)."""
    sales = np.full(24, 10.0)
    sales[list(stockouts)] = np.nan
    return sales


def test_a_month_without_a_known_sale_stays_unknown(make_history):
    """A month whose only row has no quantity is unknown, not zero; a month
    with one known row among unknown ones is what that row sold."""
    history = make_history(steady_item(OUT_OF_STOCK)[None, :])
    history = pd.concat([history, history.iloc[[3]].assign(qty=np.nan)])
    matrix = history_matrix(history, [0])[0]
    assert np.isnan(matrix[OUT_OF_STOCK]).all()
    assert np.delete(matrix, OUT_OF_STOCK).tolist() == [10.0] * 18


def test_the_law_draws_only_months_with_a_known_demand():
    paths = resample_demand(steady_item(OUT_OF_STOCK)[None, :], 240, window=24, block=3)
    assert (paths == 10.0).all()


def test_months_out_of_stock_do_not_change_the_policy(make_history):
    """Six months out of stock among two years of 10 a month were resampled
    as months without a sale: the smooth item's law spread (reorder point
    32.3 instead of 20), the lumpy item's fell to a level of 7.5 a month
    (15.8 instead of 19.2); left out, each plans as the item that never
    ran out."""
    for pattern in ("smooth", "lumpy"):
        plain, stockouts = steady_item(), steady_item(OUT_OF_STOCK)
        never, short = (
            plan(
                make_history(sales[None, :]),
                "2022-01",
                pattern=pattern,
                lead_months=2,
                level=10.0,
                sigma=1.0,
            )
            for sales in (plain, stockouts)
        )
        assert short["reorder_point"] == never["reorder_point"], pattern
        assert short["expected_fill_rate"] == never["expected_fill_rate"], pattern
