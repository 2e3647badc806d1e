"""Tests of the price cap on a group's fill-rate allocation (``price_cap``)."""

import numpy as np
from test_policy_law import flat_forecast, lumpy_demand, lumpy_items

from sop_planning.engine.policy import compute_policy
from sop_planning.engine.policy_law import allocate


def test_allocation_does_not_buy_a_tail_priced_far_above_the_group_average():
    """The last 10 % of item 1's fill costs 98 stock: capped, it is not bought."""
    fill = np.array([[0.5, 0.9, 0.95], [0.5, 0.9, 1.0]])
    stock = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 100.0]])
    args = (fill, stock, np.ones(2), np.ones(2), np.array(["lumpy"] * 2))
    target = np.full(2, 0.95)
    assert allocate(*args, target)[1] == 2  # the target bought at any price
    capped = allocate(*args, target, price_cap=np.full(2, 10.0))
    assert list(capped) == [2, 1]
    # NaN: no cap for the group
    assert allocate(*args, target, price_cap=np.full(2, np.nan))[1] == 2


def test_lumpy_group_at_a_high_target_holds_less_stock_under_a_cap(make_history):
    """At 99.9 % a cap of 10 keeps a lumpy group out of the far tail; none
    by default (a group of few items would fall far short of its target)."""
    history = lumpy_demand(300, 36, seed=10)
    item_ids = np.arange(300)
    forecast = flat_forecast(history, item_ids)
    items = lumpy_items(item_ids, 0.999)
    value = {}
    for cap in (None, 10.0):
        policy = compute_policy(
            items,
            forecast,
            freq="M",
            history=make_history(history),
            law_options={"price_cap": cap},
        )
        value[cap] = policy["expected_stock_value"].sum()
    default = compute_policy(items, forecast, freq="M", history=make_history(history))[
        "expected_stock_value"
    ].sum()
    assert default == value[None]
    assert value[10.0] < 0.9 * value[None]
