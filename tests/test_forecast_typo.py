"""A typo in the sales history (1,000,000 keyed for 10) does not set the
plan's band or the item's ABC class; a large item stays A."""

import numpy as np
import pandas as pd

from sop_planning.engine.forecast import run_forecast


def _history():
    rng = np.random.default_rng(1)
    periods = pd.date_range("2024-01-01", periods=24, freq="MS")
    rows = []
    for item, scale in (("typo", 1), ("steady", 1), ("large", 50)):
        for index, period in enumerate(periods):
            qty = (10 + int(rng.integers(-3, 4))) * scale
            if item == "typo" and index == 10:
                qty = 1_000_000
            rows.append((item, period, qty, qty * 5.0))
    return pd.DataFrame(rows, columns=["item_id", "period", "qty", "value"])


def test_a_typo_sets_neither_the_band_nor_the_class():
    result = run_forecast(_history(), horizon=12)
    items = result.items.set_index("item_id")
    assert items.loc["typo", "abc"] == "C"
    assert items.loc["large", "abc"] == "A"
    bands = result.forecast.groupby("item_id")[["upper", "sigma_cum"]].max()
    # the band of a steady item of about 10 a month, not of a million (nor
    # of the gross band's 100 it was first capped at)
    assert bands.loc["typo", "upper"] < 1.5 * bands.loc["steady", "upper"]
    assert bands.loc["typo", "sigma_cum"] < 2 * bands.loc["steady", "sigma_cum"]
    assert items.loc["typo", "sigma"] < 1.5 * items.loc["steady", "sigma"]
