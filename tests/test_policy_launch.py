"""A product launched inside the history window is planned from its first
sale: in an export filled with zeros the months before it are months it was
not sold yet, not months it sold nothing in (the forecast's history and the
add-on's start there too). A slow item's quiet months before its first sale
are kept: at its rate they are chance."""

import numpy as np
import pandas as pd

from sop_planning.engine.policy_calibration import planned_policy
from sop_planning.engine.policy_law import planning_matrix

MONTHS, LAUNCH = 36, 26


def launched_sales(seed=1):
    """Zero-filled monthly sales of a part launched in month 26, about 60 a
    month since."""
    sales = np.zeros(MONTHS)
    sales[LAUNCH:] = np.random.default_rng(seed).poisson(60, MONTHS - LAUNCH)
    return sales


def plan(history, start, *, pattern="smooth", lead_months=3, level=60.0, sigma=8.0):
    """The planned policy of item 0 at 95 %, reviewed daily, its forecast
    ``level`` a month from ``start`` on."""
    items = pd.DataFrame(
        {
            "item_id": [0],
            "lead_time_days": lead_months * 30.4375,
            "review_days": 0.0,
            "unit_cost": 10.0,
            "service_level": 0.95,
            "service_type": "cycle",
            "pattern": pattern,
        }
    )
    forecast = pd.DataFrame(
        {
            "item_id": 0,
            "period": pd.date_range(start, periods=12, freq="MS"),
            "forecast": level,
            "sigma": sigma,
        }
    )
    return planned_policy(items, forecast, history, freq="M").iloc[0]


def test_the_months_before_a_launch_are_not_in_the_planning_history(make_history):
    sales = launched_sales()
    matrix = planning_matrix(make_history(sales[None, :]), [0])[0][0]
    assert np.isnan(matrix[:LAUNCH]).all()
    np.testing.assert_array_equal(matrix[LAUNCH:], sales[LAUNCH:])


def test_a_launched_item_is_planned_as_from_its_first_sale(make_history):
    """A zero-filled export planned a reorder point of 454 for a part
    selling about 60 a month on a 3-month lead time (its ten months since
    launch resampled among 14 of no sale, then scaled up to the forecast);
    the export from the first sale on plans 203."""
    sales = launched_sales()
    zero_filled = plan(make_history(sales[None, :], first="2020-01-01"), "2023-01")
    from_launch = plan(
        make_history(sales[None, LAUNCH:], first="2022-03-01"), "2023-01"
    )
    assert zero_filled["reorder_point"] == from_launch["reorder_point"]
    assert zero_filled["expected_fill_rate"] == from_launch["expected_fill_rate"]
    assert zero_filled["reorder_point"] < 1.5 * 3 * 60


def test_a_slow_items_quiet_start_stays_in_its_history(make_history):
    """Five months without a sale before the first one of a part sold one
    month in four are likely at its rate: they stay zero demand."""
    slow = np.zeros(MONTHS)
    slow[5::4] = 3.0
    matrix = planning_matrix(make_history(slow[None, :]), [0])[0][0]
    np.testing.assert_array_equal(matrix, slow)
