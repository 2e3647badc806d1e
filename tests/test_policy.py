"""Tests of the inventory policy: textbook answers, rounding, edge cases."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sop_planning.engine.errors import EngineInputError
from sop_planning.engine.policy import (
    METHODS,
    _discrete_law,
    _discrete_quantile,
    compute_policy,
)
from sop_planning.engine.service_level import normal_loss


def make_demand(forecasts, sigmas, periods=3):
    """Return long demand rows: one constant forecast per item."""
    rows = [
        {"item_id": item, "period": f"2026-01-{day + 1:02d}", "forecast": f, "sigma": s}
        for item, (f, s) in enumerate(zip(forecasts, sigmas, strict=True))
        for day in range(periods)
    ]
    return pd.DataFrame(rows)


def make_items(n=1, **columns):
    """Return item rows with lead time 4 days, unit cost 10 and overrides.

    No order cost (lots = MOQ) unless a test sets one.
    """
    base = {
        "item_id": range(n),
        "lead_time_days": 4.0,
        "unit_cost": 10.0,
        "order_cost": 0.0,
    }
    base.update(columns)
    return pd.DataFrame(base)


def policy_of(items, demand, **kwargs):
    """Return the policy of daily forecasts as a dict of the first item."""
    return compute_policy(items, demand, period_days=1, **kwargs).iloc[0]


def test_textbook_safety_stock():
    # d = 100/day, sigma_d = 20, L = 4 days, z = 1.645: SS = 1.645 x 40 = 65.8.
    row = policy_of(make_items(service_level=0.95), make_demand([100], [20]))
    assert row["safety_stock"] == pytest.approx(65.79, abs=0.01)
    assert row["lead_time_demand"] == pytest.approx(400)
    assert row["reorder_point"] == pytest.approx(465.79, abs=0.01)
    assert row["method"] == "normal"
    assert (
        "SS = 1.645 x sqrt(4.0 x 20.0^2 + 100.0^2 x 0.0^2) = 65.8"
        in (row["explanation"])
    )


def test_low_service_level_never_gives_a_negative_reorder_point():
    # d = 10/day, sigma_d = 200: at 5 % z = -1.645 would put SS at -658.
    row = policy_of(make_items(service_level=0.05), make_demand([10], [200]))
    assert row["safety_stock"] == pytest.approx(-40.0)
    assert row["reorder_point"] == pytest.approx(0.0)
    low = policy_of(make_items(service_level=0.30), make_demand([100], [20]))
    assert 0 < low["reorder_point"] < 400, "a mild negative safety stock stays"


def test_lead_time_variance_term():
    # sqrt(4 x 20^2 + 100^2 x 1^2) = sqrt(11600) = 107.70; x 1.6449 = 177.16.
    items = make_items(service_level=0.95, lead_time_std_days=1.0)
    row = policy_of(items, make_demand([100], [20]))
    assert row["safety_stock"] == pytest.approx(177.16, abs=0.01)


def test_review_period_extends_the_window():
    items = make_items(service_level=0.95, review_days=5.0)
    row = policy_of(items, make_demand([100], [20], periods=12))
    assert row["lead_time_demand"] == pytest.approx(900)
    assert row["safety_stock"] == pytest.approx(1.6449 * 20 * 3, abs=0.01)


def test_seasonal_forecast_summed_over_the_real_window():
    # 45 days over 30-day periods: all of period 1 and half of period 2.
    demand = pd.DataFrame(
        {
            "item_id": 7,
            "period": ["2026-01-01", "2026-02-01", "2026-03-01"],
            "forecast": [100.0, 200.0, 300.0],
            "sigma": [30.0, 40.0, 50.0],
        }
    )
    items = make_items(item_id=[7], lead_time_days=45.0, service_level=0.9)
    row = compute_policy(items, demand, period_days=30).iloc[0]
    assert row["lead_time_demand"] == pytest.approx(200.0)
    sigma = np.sqrt(30.0**2 + 0.5 * 40.0**2)
    assert row["safety_stock"] == pytest.approx(stats.norm.ppf(0.9) * sigma)
    assert row["demand_per_day"] == pytest.approx(200.0 / 30)


def test_window_beyond_horizon_repeats_last_period():
    items = make_items(lead_time_days=5.0, service_level=0.5)
    row = policy_of(items, make_demand([10], [0], periods=2))
    assert row["lead_time_demand"] == pytest.approx(50.0)


def test_fill_rate_through_the_loss_function():
    # sigma_LT = 40, Q = MOQ = 600, 98 % fill: G(z) = 0.02 x 600 / 40 = 0.30.
    items = make_items(
        service_level=0.98, service_type="fill_rate", moq=600.0, order_cost=0.0
    )
    row = policy_of(items, make_demand([100], [20]))
    assert row["order_qty"] == 600
    assert row["method"] == "fill_rate_loss"
    assert normal_loss(row["z"]) == pytest.approx(0.30, abs=1e-6)
    assert row["z"] == pytest.approx(0.2165, abs=1e-3)
    assert row["safety_stock"] == pytest.approx(40 * row["z"])


def test_default_order_cost_gives_an_eoq_not_daily_lots():
    # No order_cost column: 50 per order, EOQ = sqrt(2 x 36500 x 50 / 2.5).
    items = make_items().drop(columns="order_cost")
    row = policy_of(items, make_demand([100], [20]))
    assert row["order_qty"] == pytest.approx(1209.0)
    zero = policy_of(make_items(order_cost=0.0), make_demand([100], [20]))
    assert zero["order_qty"] == 0.0


@pytest.mark.parametrize(
    ("moq", "multiple", "max_cover_days", "expected"),
    [
        (0.0, 1.0, 365, 541.0),  # EOQ = sqrt(2 x 36500 x 10 / 2.5) = 540.37
        (50.0, 12.0, 365, 552.0),  # 46 x 12
        (600.0, 25.0, 365, 600.0),  # raised to the MOQ
        (50.0, 12.0, 3, 300.0),  # capped at 3 days of demand = 300 = 25 x 12
        (350.0, 100.0, 3, 400.0),  # cap 300, MOQ 350, multiple 100
    ],
)
def test_order_quantity_eoq_moq_multiple(moq, multiple, max_cover_days, expected):
    items = make_items(order_cost=10.0, moq=moq, multiple=multiple)
    row = policy_of(items, make_demand([100], [20]), max_cover_days=max_cover_days)
    assert row["order_qty"] == pytest.approx(expected)
    assert row["order_up_to"] == pytest.approx(row["reorder_point"] + expected)
    assert row["max_qty"] == row["order_up_to"]
    assert row["min_qty"] == row["reorder_point"]
    assert row["coverage_days"] == pytest.approx(
        (row["safety_stock"] + expected / 2) / 100
    )


def test_zero_lead_time():
    items = make_items(lead_time_days=0.0, moq=30.0)
    row = policy_of(items, make_demand([100], [20]))
    assert row["lead_time_demand"] == 0
    assert row["safety_stock"] == 0
    assert row["reorder_point"] == 0
    assert row["order_up_to"] == 30


def test_zero_demand():
    items = make_items(moq=30.0, order_cost=10.0)
    row = policy_of(items, make_demand([0], [0]))
    assert (
        row[["safety_stock", "reorder_point", "order_up_to", "order_qty"]].eq(0).all()
    )
    assert row["method"] == "zero_demand"
    assert np.isnan(row["coverage_days"])
    assert row["explanation"].startswith("no forecast demand")


def test_service_level_from_abc_xyz_matrix():
    items = make_items(n=2, abc=["A", "C"], xyz=["X", "Z"])
    frame = compute_policy(items, make_demand([100, 100], [20, 20]), period_days=1)
    assert frame["service_level"].tolist() == [0.98, 0.85]
    custom = compute_policy(
        items,
        make_demand([100, 100], [20, 20]),
        period_days=1,
        service_matrix={"AX": 0.9},
    )
    assert custom["service_level"].tolist() == [0.9, 0.95]


def test_period_length_inferred_from_weekly_periods():
    demand = pd.DataFrame(
        {
            "item_id": 0,
            "period": ["2026-01-05", "2026-01-12", "2026-01-19"],
            "forecast": 70.0,
            "sigma": 0.0,
        }
    )
    row = compute_policy(make_items(lead_time_days=14.0), demand).iloc[0]
    assert row["lead_time_demand"] == pytest.approx(140.0)
    assert row["demand_per_day"] == pytest.approx(10.0)


def test_poisson_for_slow_items():
    # 0.5/day over 4 days: Poisson(2); P(X <= 4) = 0.947 < 0.95 <= P(X <= 5).
    items = make_items(service_level=0.95)
    row = policy_of(items, make_demand([0.5], [np.sqrt(0.5)]))
    assert row["method"] == "poisson"
    assert row["reorder_point"] == 5
    assert row["safety_stock"] == pytest.approx(3.0)


def test_discrete_reorder_points_are_the_laws_quantiles():
    """Poisson and negative binomial points are scipy.stats' quantiles, to the
    unit, from a tenth of a unit to thousands, up to a 0.9999 target."""
    rng = np.random.default_rng(5)
    mean = np.concatenate([rng.gamma(0.5, 2.0, 2000), rng.gamma(2.0, 500.0, 2000)])
    variance = mean * np.exp(rng.normal(0.5, 1.0, mean.size))
    level = rng.uniform(0.5, 0.9999, mean.size)
    overdispersed, size, prob, _method = _discrete_law(mean, variance)
    expected = np.where(
        overdispersed,
        stats.nbinom.ppf(level, size, prob),
        stats.poisson.ppf(level, mean),
    )
    got = _discrete_quantile(level, mean, overdispersed, size, prob)
    np.testing.assert_array_equal(got, expected)
    # a level of 1 is never reached, an unknown mean has no quantile
    edge = _discrete_quantile(
        np.array([1.0, 0.9]), np.array([3.0, np.nan]), np.zeros(2, bool), 1.0, 0.5
    )
    np.testing.assert_array_equal(edge, [np.inf, np.nan])


def brute_force_loss(s, mean, variance):
    """Return E[(X - s)+] by summing the negative binomial pmf."""
    size, prob = mean**2 / (variance - mean), mean / variance
    k = np.arange(0, 20000)
    return float(np.sum(np.maximum(k - s, 0) * stats.nbinom.pmf(k, size, prob)))


@pytest.mark.parametrize("service_type", ["cycle", "fill_rate"])
def test_negative_binomial_for_intermittent_items(service_type):
    # 1/day, sigma 3/day, over 4 days: mean 4, variance 36.
    items = make_items(
        service_level=0.9, service_type=service_type, pattern="lumpy", moq=5.0
    )
    row = policy_of(items, make_demand([1.0], [3.0]))
    assert row["method"] == "negbin"
    s, size, prob = row["reorder_point"], 4**2 / (36 - 4), 4 / 36
    assert s == int(s)
    if service_type == "cycle":
        assert stats.nbinom.cdf(s, size, prob) >= 0.9
        assert stats.nbinom.cdf(s - 1, size, prob) < 0.9
    else:
        lot = row["order_qty"]

        def fill(point):
            short = brute_force_loss(point, 4, 36) - brute_force_loss(
                point + lot, 4, 36
            )
            return 1 - short / lot

        assert fill(s) >= 0.9 > fill(s - 1)


@settings(max_examples=20, deadline=None)
@given(
    mean=st.floats(20, 500),
    cv=st.floats(0.05, 1.0),
    lead=st.floats(0.5, 60),
    low=st.floats(0.6, 0.9),
    step=st.floats(0.01, 0.09),
    moq=st.floats(0, 200),
    multiple=st.sampled_from([1.0, 5.0, 12.0]),
)
def test_policy_properties(mean, cv, lead, low, step, moq, multiple):
    demand = make_demand([mean, mean], [mean * cv, mean * cv])
    items = make_items(
        n=2,
        lead_time_days=lead,
        service_level=[low, low + step],
        moq=moq,
        multiple=multiple,
        order_cost=20.0,
    )
    frame = compute_policy(items, demand, period_days=1)
    assert frame["safety_stock"].iloc[1] >= frame["safety_stock"].iloc[0]
    assert (frame["order_qty"] >= moq).all()
    ratio = frame["order_qty"] / multiple
    assert np.allclose(ratio, np.round(ratio))
    assert (frame["order_up_to"] >= frame["reorder_point"]).all()


def test_negative_lead_time_names_the_item():
    items = make_items(n=2, lead_time_days=[4.0, -1.0])
    with pytest.raises(EngineInputError, match="item 1: column 'lead_time_days'"):
        compute_policy(items, make_demand([1, 1], [1, 1]), period_days=1)


def test_missing_cost_names_the_item():
    items = make_items(n=2, unit_cost=[np.nan, 3.0])
    with pytest.raises(EngineInputError, match="item 0: column 'unit_cost' is missing"):
        compute_policy(items, make_demand([1, 1], [1, 1]), period_days=1)
    with pytest.raises(EngineInputError, match="missing column.*unit_cost"):
        compute_policy(items.drop(columns="unit_cost"), make_demand([1, 1], [1, 1]))


def test_nan_forecast_names_the_item():
    demand = make_demand([1, 2], [1, 1])
    demand.loc[4, "forecast"] = np.nan
    with pytest.raises(EngineInputError, match="item 1: column 'forecast' is NaN"):
        compute_policy(make_items(n=2), demand, period_days=1)


def test_item_without_forecast_rows_is_named():
    with pytest.raises(EngineInputError, match="item 1: column 'forecast' has no"):
        compute_policy(make_items(n=2), make_demand([1], [1]), period_days=1)


def test_bad_service_level_and_type_are_named():
    with pytest.raises(EngineInputError, match="item 0: column 'service_level'"):
        compute_policy(make_items(service_level=1.5), make_demand([1], [1]))
    with pytest.raises(EngineInputError, match="item 0: column 'service_type'"):
        compute_policy(make_items(service_type="x"), make_demand([1], [1]))


def test_cumulative_sigma_sets_the_lead_time_spread():
    # Lead time 2.5 days: variance interpolated between the sums of 2 and 3 days.
    demand = make_demand([10], [3], periods=4)
    demand["sigma_cum"] = [3.0, 8.0, 14.0, 20.0]
    row = policy_of(make_items(lead_time_days=2.5, service_level=0.9), demand)
    spread = np.sqrt(8.0**2 + 0.5 * (14.0**2 - 8.0**2))
    assert row["lead_time_sigma"] == pytest.approx(spread)
    assert row["safety_stock"] == pytest.approx(stats.norm.ppf(0.9) * spread)
    # Without the column: independent periods, sqrt(2.5) x 3.
    old = policy_of(make_items(lead_time_days=2.5), demand.drop(columns="sigma_cum"))
    assert old["lead_time_sigma"] == pytest.approx(np.sqrt(2.5) * 3.0)


def test_cumulative_sigma_grows_in_proportion_past_the_horizon():
    # Level errors add up: 8 days over a 4-day horizon doubles the spread.
    demand = make_demand([10], [3], periods=4)
    demand["sigma_cum"] = [3.0, 8.0, 14.0, 20.0]
    row = policy_of(make_items(lead_time_days=8.0), demand)
    assert row["lead_time_sigma"] == pytest.approx(40.0)


def test_negative_cumulative_sigma_is_refused():
    demand = make_demand([10], [3])
    demand["sigma_cum"] = [3.0, -1.0, 5.0]
    with pytest.raises(EngineInputError, match="sigma_cum"):
        compute_policy(make_items(), demand, period_days=1)


def test_every_method_is_one_the_add_on_can_name(make_history):
    """``method`` takes only ``METHODS`` values (the add-on labels each)."""
    items = make_items(
        6,
        service_type=["cycle", "fill_rate", "cycle", "cycle", "cycle", "cycle"],
        pattern=["smooth", "smooth", "intermittent", "lumpy", "smooth", "smooth"],
    )
    demand = make_demand([100.0, 100.0, 0.5, 2.0, 0.0, 30.0], [20, 20, 0.5, 6, 0, 5])
    history = make_history(
        [np.zeros(24)] * 5 + [np.random.default_rng(3).poisson(30.0, 24)],
        item_ids=range(6),
    )
    every = set(compute_policy(items, demand, period_days=1.0)["method"])
    every |= set(
        compute_policy(items, demand, period_days=1.0, history=history)["method"]
    )
    assert every == set(METHODS)


def test_an_item_without_a_cost_orders_a_month_of_demand():
    """With its cost not set (0), the EOQ had no holding cost to weigh the
    order cost against and the lot was the most the cover cap allows, a
    year of demand; it is a month, and the explanation says why."""
    items = make_items(n=2, unit_cost=[0.0, 10.0], order_cost=50.0)
    policy = compute_policy(items, make_demand([10, 10], [2, 2]), period_days=1)
    free, priced = policy.iloc[0], policy.iloc[1]
    assert free["order_qty"] == np.ceil(10 * 30.4375)  # whole units
    assert priced["order_qty"] == np.ceil(np.sqrt(2 * 3650 * 50 / (0.25 * 10)))
    assert free["explanation"].endswith(
        "; without a unit cost the EOQ is a month of demand"
    )
    assert "inf" not in free["explanation"]
