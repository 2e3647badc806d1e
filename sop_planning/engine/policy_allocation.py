"""Service levels allocated across items to reach one aggregate fill rate.

Public API: ``allocate_service_levels(items, demand, target_fill_rate, *,
bounds=(0.5, 0.9995), **options) -> DataFrame`` (a ``compute_policy``
result; ``options`` go to ``compute_policy``).

The same service level for every item spends stock where it buys little:
an expensive, slow item costs much stock per unit of demand served. The
classic answer (minimum stock investment for an aggregate, demand-weighted
fill rate; Silver, Pyke & Peterson, ch. 7) gives each item the cycle service
level where one more unit of stock serves as much extra demand per euro as
on every other item:

    p_i = 1 - unit_cost_i x Q_i / (lambda x d_i)

with Q the order quantity, d the demand per day, and lambda (one number for
all items) found by bisection so that the demand-weighted expected fill rate
equals the target. ``p_i`` is kept within ``bounds``. Items then get their
reorder point at ``p_i`` under their own lead-time demand law (normal,
Poisson or negative binomial), and the explanation says where ``p_i`` comes
from. An item without a cost (``unit_cost`` 0) keeps its own service
level: at no price per unit it would take the upper bound.
"""

import numpy as np

from .errors import EngineInputError
from .policy import compute_policy, expected_fill_rate, reorder_point_at


def _aggregate_fill_rate(base, level, weight):
    """Return the demand-weighted expected fill rate at cycle levels ``level``."""
    fill = expected_fill_rate(base.assign(reorder_point=reorder_point_at(base, level)))
    return float(np.sum(weight * fill) / np.sum(weight))


def allocate_service_levels(
    items, demand, target_fill_rate, *, bounds=(0.5, 0.9995), **options
):
    """Return the policy whose service levels reach ``target_fill_rate`` overall."""
    if not 0 < target_fill_rate < 1:
        raise EngineInputError(
            f"target fill rate must be between 0 and 1 (got {target_fill_rate})"
        )
    low, high = bounds
    base = compute_policy(
        items.assign(service_type="cycle", service_level=0.5), demand, **options
    )
    rate = base["demand_per_day"].to_numpy(float)
    cost = items["unit_cost"].to_numpy(float)
    lot = np.maximum(base["order_qty"].to_numpy(float), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        price = np.where(rate > 0, cost * lot / rate, np.inf)
    # an item without a cost keeps its own level: at price 0 it took the top
    free = ~(cost > 0)
    own = (
        compute_policy(items, demand, **options)["service_level"].to_numpy()
        if free.any()
        else None
    )

    def levels(log_lambda):
        allocated = np.clip(1.0 - price / np.exp(log_lambda), low, high)
        return allocated if own is None else np.where(free, own, allocated)

    lower, upper = -30.0, 60.0
    if _aggregate_fill_rate(base, levels(upper), rate) >= target_fill_rate:
        for _ in range(60):
            middle = 0.5 * (lower + upper)
            if _aggregate_fill_rate(base, levels(middle), rate) < target_fill_rate:
                lower = middle
            else:
                upper = middle
    chosen = levels(upper)
    policy = compute_policy(
        items.assign(service_type="cycle", service_level=chosen), demand, **options
    )
    allocated = (
        f"service level from the {target_fill_rate:.1%} aggregate fill-rate "
        f"allocation, 1 - cost x Q / ({np.exp(upper):.4g} x d) kept within "
        f"[{low}, {high}]: "
        + policy["service_level"].round(4).astype(str)
        + "; "
        + policy["explanation"]
    )
    alone = (
        policy["explanation"]
        + "; without a unit cost it is planned alone at its target"
    )
    policy["explanation"] = np.where(free, alone, allocated)
    return policy
