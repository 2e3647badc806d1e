"""DDMRP buffer zones as the OCA ``ddmrp`` module computes them.

Public API: ``ddmrp_zones(adu, dlt_days, lead_time_factor,
variability_factor, *, order_cycle_days=0, moq=0) -> DataFrame``.

With ADU the average daily usage and DLT the decoupled lead time in days
(OCA ``stock_buffer``):

- red base = ADU x DLT x lead-time factor; red safety = red base x
  variability factor; red = red base + red safety;
- yellow = ADU x DLT;
- green = max(ADU x order cycle, red base, MOQ);
- top of red / yellow / green = cumulated zones; replenishment orders up to
  the top of green when the net flow position is at or below the top of
  yellow, so a buffer runs as an (s, S) policy with s = top of yellow and
  S = top of green.

Arguments are scalars or arrays (one value per item).
"""

import numpy as np
import pandas as pd


def ddmrp_zones(
    adu, dlt_days, lead_time_factor, variability_factor, *, order_cycle_days=0, moq=0
):
    """Return the red, yellow and green zones and their tops, one row per item."""
    adu, dlt, ltf, vf, cycle, moq = np.broadcast_arrays(
        *(
            np.asarray(value, dtype=float)
            for value in (
                adu,
                dlt_days,
                lead_time_factor,
                variability_factor,
                order_cycle_days,
                moq,
            )
        )
    )
    red_base = adu * dlt * ltf
    red_safety = red_base * vf
    red = red_base + red_safety
    yellow = adu * dlt
    green = np.maximum(np.maximum(adu * cycle, red_base), moq)
    return pd.DataFrame(
        {
            "red_base": np.atleast_1d(red_base),
            "red_safety": np.atleast_1d(red_safety),
            "red": np.atleast_1d(red),
            "yellow": np.atleast_1d(yellow),
            "green": np.atleast_1d(green),
            "top_of_red": np.atleast_1d(red),
            "top_of_yellow": np.atleast_1d(red + yellow),
            "top_of_green": np.atleast_1d(red + yellow + green),
        }
    )
