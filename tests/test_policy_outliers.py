"""A gross outlier in the history (a typo, a one-off order) does not set the
policy; an item's real large orders still do."""

import numpy as np
from test_policy_law import flat_forecast, lumpy_items

from sop_planning.engine.policy_calibration import planned_floor, planned_policy
from sop_planning.engine.policy_law import planning_matrix

TYPO = 1e6


def sales(seed, months=36):
    """Monthly sales of a part ordered most months, about 500 at a time."""
    rng = np.random.default_rng(seed)
    return (rng.random(months) < 0.7) * rng.integers(200, 900, months).astype(float)


def test_the_planning_history_caps_a_typo_and_keeps_large_orders(make_history):
    ordinary = sales(1)
    history = ordinary.copy()
    history[20] = TYPO  # 1,000,000 keyed in for 1,000
    history[26] = 8 * np.median(ordinary[ordinary > 0])  # a real large order
    matrix, capped_at = planning_matrix(make_history(history[None, :]), [0])
    matrix = matrix[0]
    assert matrix[26] == history[26]
    assert 2 * ordinary.max() < matrix[20] < 0.05 * TYPO
    assert capped_at[0] == matrix[20]
    np.testing.assert_array_equal(np.delete(matrix, 20), np.delete(history, 20))


def test_the_planning_history_keeps_a_small_sale_of_a_steady_item(make_history):
    """Sizes within a unit of 100 make a narrow band: a sale of 5 (a partial
    month) is not raised to it, only periods above it are capped."""
    steady = 100.0 + np.tile([0.0, 1.0, -1.0], 12)
    steady[7] = 5.0
    matrix, capped_at = planning_matrix(make_history(steady[None, :]), [0])
    np.testing.assert_array_equal(matrix[0], steady)
    assert np.isnan(capped_at[0])


def test_a_typo_does_not_set_the_policy(make_history):
    """One month of 1,000,000 among sales of about 500 planned a reorder
    point of 6.9 million (resampled as if it could recur); capped at the
    planning history's band, the item holds what a large real order of its
    own would ask, within its scale."""
    ordinary = np.vstack([sales(1), sales(2)])
    typo = ordinary.copy()
    typo[0, 20] = TYPO
    items = lumpy_items([0, 1], 0.95)

    def plan(matrix):
        return planned_policy(
            items, flat_forecast(matrix, [0, 1]), make_history(matrix), freq="M"
        ).set_index("item_id")

    clean, typed = plan(ordinary), plan(typo)
    assert typed.loc[0, "reorder_point"] < 20 * clean.loc[0, "reorder_point"]
    assert typed.loc[0, "reorder_point"] < 0.05 * TYPO
    assert "counted as that (a typo or a one-off order)" in typed.loc[0, "explanation"]
    assert "a typo" not in clean.loc[0, "explanation"]


def test_a_typo_in_the_last_year_does_not_raise_the_recent_rate(make_history):
    """The floor of an erratic item leaves a gross outlier of its last year
    out, as a smooth item's always leaves its largest month out; its real
    months stay in."""
    ordinary = np.vstack([sales(1), sales(1)])
    ordinary[1, -3] = TYPO
    items = lumpy_items([0, 1], 0.95).assign(pattern="erratic")
    floor = planned_floor(items, make_history(ordinary), 30.4375)
    clean = planned_floor(items.iloc[:1], make_history(ordinary[:1]), 30.4375)
    assert floor[0] == clean[0]  # nothing capped: every month counts
    assert floor[1] <= floor[0] * 1.5  # the typo's month is left out
    assert floor[1] > 0.5 * floor[0]
