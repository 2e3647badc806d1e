"""Lead-time demand law from the item's own history, by resampling.

Public API: ``history_matrix(history, item_ids)``, ``planning_matrix(history,
item_ids)``, ``since_launch(matrix)``, ``resample_demand(matrix,
n_periods, *, window, scale=None, seed=0)``, ``simulate_levels(paths,
reorder_point, order_up_to, lead, review, *, lost_sales=True, lead_std=0,
seed=0)`` and
``bootstrap_policy(matrix, level, lead, review, order_qty, target, *,
fill_rate=True, ...)``, ``allocate(fill, stock, weight, unit_cost, group,
target)``, ``mean_uncertainty(matrix, window)`` and ``review_periods(lead,
review)``.

Normal, Poisson and negative binomial laws built from a forecast's mean and
sigma are too thin-tailed for slow and lumpy items: most periods sell
nothing and a few sell a lot. Here the demand of the coming periods is
drawn, period by period, from the item's own recent periods (the last
``window`` ones, zeros included: a bootstrap of occurrences and sizes, as
Willemain et al. resample intermittent demand), scaled so that its mean is
the forecast's level (``to_forecast``: the shape of demand from the history,
its level from the forecast; per item, ``to_forecast`` False keeps the
history's own level, as planned policies do for intermittent and lumpy
items, ``policy_calibration``). The rate an item sells at is itself only
known to the precision of its history, so every year of resampled demand
is multiplied by a level factor with mean 1 and a coefficient of variation
of ``level_spread`` times the relative standard error of the item's mean
(few sales in the window: a wide spread), at least ``level_floor`` (the
year-to-year drift of a steady item's level, which that standard error,
built on independent periods, misses; ``compute_policy`` sets it for
fill-rate targets only, 7.5 %). For intermittent items (``by_rate``: sales
of about one size, in about three periods out of four or fewer) the factor
changes how often they sell, not how much each sale is: a customer who
orders more often still orders the usual quantity (their spread 2.25, not
1.5). The policy is then simulated on
this demand for ``n_periods`` periods, with its real review period, lead
time and order quantity (lost sales by default, as a lost-sales replay
judges it):

- for a fill-rate target the reorder point is the smallest one (bisection,
  every item at once, the same resampled demand at every step) whose
  simulated fill rate reaches the target; with ``groups`` (the demand
  pattern) the items of a group share their target instead, reached at
  least stock value: candidate reorder points (quantiles of the resampled
  lead-time demand) are simulated side by side and one price of stock per
  unit served, bisected per group, picks each item's (``allocate``),
  at most ``price_cap`` times the group's average stock value per unit
  served (the group then falls short of its target and says so); a group
  whose promise, read on a second sample, falls short aims higher, at most
  three quarters of the way to 100 % (``AIM_SHIFT``), and otherwise
  promises what it gets;
- for a cycle service level it is the level's quantile of the resampled
  demand over lead time + review;
- a review under half a period (the add-on's rules are checked every day,
  the history is monthly) is emulated as continuous review
  (``review_periods``): the protection interval is the lead time, not
  lead time + one period; a lead time under one period (a 2-day transfer,
  a 12-day vendor) is simulated in ``SUB_PERIODS`` steps per lead time,
  each resampled period's demand thinned to a step (``thin_demand``: its
  sales, sized by ``sale_size``, kept with the step's share of a period),
  so the reorder point is built on the lead time's demand, not a month's;
- a lead time that varies (``lead_std``, the vendor's measured spread) is
  drawn per order in the simulation and per window for a cycle service
  level's quantile: normal around the planned lead time, rounded to whole
  periods (simulated steps for a short window), as ``simulate.simulate``
  replays it;
- the expected fill rate and the expected stock (average on hand at the end
  of a period) are those of the same simulation, so the promise comes from
  the law the reorder point is set on, undershoot at review and whole lots
  included.

Settings (window 2 years, level spread 1.5, for intermittent items by
their rate with spread 2.25, level floor 7.5 % for fill-rate
targets, level from the forecast, or in
planned policies of intermittent and lumpy items from their own window,
40 simulated years, allocation per pattern) were chosen on the
``choose`` half of the items of ``bench/bench_policy_calibration.py``.
The level factor is drawn once per simulated year, so the years, not the
periods, set how noisy the candidates and the promise are: 480 periods
were 40 years of months but 9 of weeks, and on weekly spare parts a
shared target then asked more than the law gave on its second sample,
every item taking its largest candidate (``compute_policy`` sets
``n_periods`` to 40 years, ``MAX_SIMULATED_PERIODS`` at most).

Everything is vectorised across items: one simulation is a loop over the
simulated periods on arrays of up to ``CHUNK_ITEMS`` items (a large
catalogue is simulated a chunk at a time, its memory bounded; every item
drawing from its own stream, ``item_random``, the chunks change nothing).
"""

import numpy as np
import pandas as pd

from .cleaning import GROSS_OUTLIER_MAD, cap_outliers
from .history import cell_totals
from .item_random import ItemRandom
from .simulate_backtest import history_qty


def history_matrix(history, item_ids):
    """Return the items x periods demand of ``item_ids``, NaN where unknown.

    ``history``: long ``item_id, period, qty``; a period whose rows all have
    an empty ``qty`` (out of stock, sales cut short), a period before the
    item's first row or an item without rows is unknown (NaN), a period
    missing after it counts as zero demand. The periods are those of the
    whole history, in order.
    """
    qty = history_qty(history).to_numpy(float)
    dates = pd.to_datetime(history["period"]).to_numpy()
    periods, column = np.unique(dates, return_inverse=True)
    row = pd.Index(item_ids).get_indexer(history["item_id"])
    ours = row >= 0
    n_items, n_periods = len(item_ids), len(periods)
    cell = row[ours] * n_periods + column[ours]
    values, present = cell_totals(cell, qty[ours], n_items * n_periods)
    values = values.reshape(n_items, n_periods)
    present = present.reshape(n_items, n_periods)
    started = np.maximum.accumulate(present, axis=1)
    # a missing period after the item's first row is a period without demand
    return np.where(started & ~present, 0.0, np.where(started, values, np.nan))


def planning_matrix(history, item_ids):
    """Return ``(matrix, band)``: ``history_matrix`` from each item's launch
    (``since_launch``), its gross outliers capped, and per item the level
    its periods were capped at (NaN where none was).

    A period more than ``GROSS_OUTLIER_MAD`` robust standard deviations
    above the item's typical sale (``cleaning.cap_outliers``: median and MAD
    of its periods with a sale) is a data error or a one-off order: a policy
    resampling it would stock for it again. It is capped at that band, far
    beyond the 3 of the forecast's cleaning, so a lumpy item's real large
    orders stay in its law.
    """
    raw = since_launch(history_matrix(history, item_ids))
    banded = cap_outliers(raw, GROSS_OUTLIER_MAD)
    capped = banded < raw  # the band's upper side only: a small sale stays
    matrix = np.where(capped, banded, raw)
    band = np.max(np.where(capped, banded, -np.inf), axis=1, initial=-np.inf)
    return matrix, np.where(capped.any(axis=1), band, np.nan)


LAUNCH_CHANCE = 0.01


def since_launch(matrix):
    """``matrix`` with the zeros before an item's first sale unknown where
    the item was not sold yet: it sold in most periods since (as an item
    the forecast classes smooth or erratic, ``RATE_ZERO_SHARE``) and so long
    a run without a sale had less than ``LAUNCH_CHANCE`` at that rate.

    In an export filled with zeros, a part launched ten months ago was
    resampled among fourteen months of no sale, then scaled up to its
    forecast: a reorder point of 454 for a lead-time demand of 180
    (``tests/test_policy_launch.py``). The forecast's
    history (``history.build_history``) and the add-on's (no row before a
    product's first sale) start there too. A slow item's quiet periods
    before its first sale stay zero demand: at its rate they are likely,
    and a history starting at a sale would overstate how often it sells
    (cutting them wherever they were unlikely at its rate raised the stock
    of spares_man's weekly intermittent items by 7 % for fill they were not
    promised, ``choose`` half of ``bench/bench_policy_calibration.py``).
    """
    sold = np.nan_to_num(matrix) > 0
    known = np.isfinite(matrix)
    started = np.maximum.accumulate(sold, axis=1)
    quiet = (known & ~started).sum(axis=1)
    since = (known & started).sum(axis=1)
    rate = np.divide(
        sold.sum(axis=1) - 1.0, since - 1.0, out=np.zeros(len(matrix)), where=since > 1
    )
    steady = rate >= 1.0 - RATE_ZERO_SHARE
    launched = steady & (quiet > 0) & ((1.0 - rate) ** quiet < LAUNCH_CHANCE)
    return np.where(started | ~launched[:, None], matrix, np.nan)


def resample_demand(
    matrix,
    n_periods,
    *,
    window,
    block=1,
    scale=None,
    level_cv=None,
    segment=12,
    seed=0,
    keys=None,
    by_rate=None,
):
    """Return items x ``n_periods`` demand drawn from each item's recent periods.

    Blocks of ``block`` consecutive periods (per item; 1, the default, draws
    each period on its own) are drawn with replacement from the known
    periods among the last ``window`` of the row (an unknown one, out of
    stock or with sales cut short, is left out: its demand is not known;
    a block joins the known periods on either side of it), times ``scale``
    (per item, default 1). With
    ``level_cv`` (per item) every stretch of ``segment`` periods is also
    multiplied by its own level factor, gamma distributed with mean 1 and
    that coefficient of variation: the rate an item will sell at is only
    known to the precision its history gives. For the items of ``by_rate``
    (per item) the factor changes how often they sell instead of how much
    each sale is (``_level_by_rate``). Rows without a known period get zero
    demand. Each item draws from its own stream (``keys``, see
    ``ItemRandom``).
    """
    matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
    recent = matrix[:, -window:]
    width = recent.shape[1]
    known = np.isfinite(recent)
    span = known.sum(axis=1)
    # the known periods in order: an unknown one is not a period without demand
    recent = np.take_along_axis(recent, np.argsort(~known, axis=1, kind="stable"), 1)
    block = np.minimum(
        np.broadcast_to(np.asarray(block, dtype=int), (len(matrix),)),
        np.maximum(span, 1),
    )
    rng = ItemRandom(keys, seed, len(matrix))
    steps = np.arange(n_periods)
    # one draw per period whatever the blocks: an item's draws stay its own
    draw = rng.random(n_periods)
    starts = (draw * (span - block + 1)[:, None]).astype(int)
    which = steps[None, :] // block[:, None]
    offset = steps[None, :] % block[:, None]
    index = np.take_along_axis(starts, which, axis=1) + offset
    paths = np.nan_to_num(
        np.take_along_axis(recent, np.minimum(index, width - 1), axis=1)
    )
    paths[span == 0] = 0.0
    if scale is not None:
        paths *= np.asarray(scale, dtype=float)[:, None]
    if level_cv is not None:
        cv2 = np.asarray(level_cv, dtype=float)[:, None] ** 2
        stretches = -(-n_periods // segment)
        shape = np.where(cv2 > 0, 1.0 / np.maximum(cv2, 1e-12), 1.0)
        factor = rng.gamma(shape, np.where(cv2 > 0, cv2, 1.0), stretches)
        factor = np.where(cv2 > 0, factor, 1.0)
        level = np.repeat(factor, segment, axis=1)[:, :n_periods]
        rate = False if by_rate is None else by_rate
        rate = np.broadcast_to(np.asarray(rate, dtype=bool), (len(matrix),))
        if rate.any():
            sizes = np.nan_to_num(recent)
            if scale is not None:
                sizes = sizes * np.asarray(scale, dtype=float)[:, None]
            paths[rate] = _level_by_rate(
                paths[rate], level[rate], sizes[rate], span[rate], rng, rate
            )
        paths[~rate] *= level[~rate]
    return paths


def _level_by_rate(paths, level, sizes, span, rng, rows):
    """``paths`` with each period's ``level`` factor applied to how often the
    item sells, its sales' sizes kept: under 1 a period's sale is kept with
    that probability, over 1 Poisson-many more sales are added (mean: the
    factor less 1, times the share of the ``span`` periods drawn from that
    had a sale, so the mean demand is the factor's), sized from the item's
    own non-zero ``sizes``: the first added sale draws one size, the further
    ones of the period share another. ``rows``: the items' rows in
    ``rng``'s draws.
    """
    n_periods = paths.shape[1]
    sizes = np.sort(sizes, axis=1)
    sold = (sizes > 0).sum(axis=1)
    kept = rng.random(n_periods, rows) < level
    more = np.maximum(level - 1.0, 0.0) * (sold / np.maximum(span, 1))[:, None]
    added = _poisson_counts(rng.random(n_periods, rows), more)
    first = _drawn_size(sizes, sold, rng.random(n_periods, rows))
    further = _drawn_size(sizes, sold, rng.random(n_periods, rows))
    extra = np.where(added > 0, first + (added - 1) * further, 0.0)
    return np.where(level < 1.0, paths * kept, paths + extra)


POISSON_MAX = 60  # sales added to one period at most (a mean of 45 and more)


def _poisson_counts(uniform, mean):
    """Poisson counts of ``mean`` (per cell), the CDF inverted at ``uniform``."""
    count = np.zeros(mean.shape)
    some = mean > 0  # the other cells count 0
    uniform, mean = uniform[some], mean[some]
    term = np.exp(-mean)
    below = term.copy()
    counted = np.zeros(mean.shape)
    for k in range(1, POISSON_MAX + 1):
        more = uniform > below
        if not more.any():
            break
        counted += more
        term *= mean / k
        below += term
    count[some] = counted
    return count


def _drawn_size(sizes, sold, uniform):
    """Per cell one of the row's ``sold`` non-zero ``sizes`` (sorted)."""
    width = sizes.shape[1]
    index = width - 1 - (uniform * np.maximum(sold, 1)[:, None]).astype(int)
    return np.take_along_axis(sizes, np.clip(index, 0, width - 1), axis=1)


def review_periods(lead, review):
    """Return (lead, review) in periods as the bucketed simulations use them.

    An order placed at the end of period t arrives at the start of period
    t + round(lead) + 1 (here and in ``simulate.simulate``), so with a
    review every ``review`` periods the protection interval is lead +
    review. A review that rounds to no period at all (``review`` < 0.5,
    e.g. a rule checked every day, or a vendor ordered from every two
    weeks, on monthly history) is emulated as continuous review over the
    same protection: review 1 period and lead ``max(lead + review - 1,
    0)``, so that the protection interval is ``max(lead + review, 1)``
    periods, not lead + 1. Any other review is kept, at least 1 period,
    with the lead unchanged. Applying it twice changes nothing.
    """
    lead = np.asarray(lead, dtype=float)
    review = np.nan_to_num(np.asarray(review, dtype=float))
    continuous = np.round(review) < 1
    return (
        np.where(continuous, np.maximum(lead + review - 1.0, 0.0), lead),
        np.where(continuous, 1.0, np.maximum(review, 1.0)),
    )


MIN_WINDOW_FRACTION = 1.0 / 31.0  # a day of a monthly period
SUB_PERIODS = 4  # simulated steps per protection window under one period


def whole_periods(days, period_days):
    """Return how many whole periods of ``period_days`` make ``days`` (at least 1)."""
    return max(int(round(days / period_days)), 1)


def short_window(lead, review):
    """Return per item its protection window as a fraction of a period.

    An item reviewed more often than every half period (``review`` rounds
    to 0) whose lead time + review is under one period is protected over
    that lead time + review only, at least a day of a monthly period
    (``MIN_WINDOW_FRACTION``); every other item gets 1 (whole periods,
    ``review_periods``).
    """
    lead = np.nan_to_num(np.asarray(lead, dtype=float))
    review = np.nan_to_num(np.asarray(review, dtype=float))
    window = lead + np.where(np.round(review) < 1, review, np.inf)
    return np.where(window < 1.0, np.clip(window, MIN_WINDOW_FRACTION, 1.0), 1.0)


def sale_size(matrix, window):
    """Return per item the mean size of one sale, from monthly totals only.

    Sales taken as Poisson occurrences: the share of known periods without
    demand ``p0`` gives ``-ln(p0)`` sales a period, the mean demand over it
    the size. An item that sold in every period gets 1 (unit by unit).
    """
    recent = np.atleast_2d(np.asarray(matrix, dtype=float))[:, -window:]
    known = np.isfinite(recent)
    count = known.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        empty = ((recent == 0) & known).sum(axis=1) / count
        mean = np.nansum(recent, axis=1) / count
        size = mean / -np.log(empty)
    return np.where(
        (empty > 0) & (empty < 1) & np.isfinite(size), np.maximum(size, 1.0), 1.0
    )


def thin_demand(paths, fraction, *, size=1.0, seed=0, keys=None):
    """Return ``paths`` of sub-periods a ``fraction`` (per item) of a period.

    Each resampled period's demand is cut into sales of ``size`` units (per
    item, ``sale_size``) and every sale is kept with probability
    ``fraction`` (binomial thinning; the rest under one sale with the same
    probability): the mean is ``fraction`` of the period's and lumpy demand
    stays lumpy. Rows with ``fraction`` 1 are returned unchanged. Each item
    draws from its own stream (``keys``, see ``ItemRandom``).
    """
    rows = np.flatnonzero(fraction < 1.0)
    if not len(rows):
        return paths
    keys = np.arange(len(paths)) if keys is None else np.asarray(keys)
    rng = ItemRandom(keys[rows], seed)
    lump = np.broadcast_to(np.asarray(size, dtype=float), fraction.shape)[rows, None]
    # an item forecast at zero has its demand (and sale size) scaled to zero
    lump = np.where(np.isfinite(lump) & (lump > 0.0), lump, 1.0)
    part = np.maximum(np.nan_to_num(paths[rows]), 0.0)
    whole = np.floor(part / lump)
    keep = fraction[rows, None]
    thinned = rng.binomial(whole, keep) * lump
    thinned += (part - whole * lump) * (rng.random(part.shape[1]) < keep)
    paths = paths.copy()
    paths[rows] = thinned
    return paths


def mean_uncertainty(matrix, window):
    """Return per item the relative standard error of its mean demand.

    ``std / mean / sqrt(n)`` over the last ``window`` known periods (0
    without demand).
    """
    recent = np.atleast_2d(np.asarray(matrix, dtype=float))[:, -window:]
    count = np.isfinite(recent).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nanmean(recent, axis=1)
        std = np.nanstd(recent, axis=1, ddof=1)
        relative = std / mean / np.sqrt(count)
    return np.nan_to_num(relative, nan=0.0, posinf=0.0)


def simulate_levels(
    paths,
    reorder_point,
    order_up_to,
    lead,
    review,
    *,
    lost_sales=True,
    lead_std=0.0,
    seed=0,
    keys=None,
):
    """Return per item (fill rate, average on hand) of (R, s, S) on ``paths``.

    Start on hand = S, nothing on order; each period receipts arrive, demand
    is served, and every ``review`` periods a position at or below s orders
    up to S, arriving ``lead`` periods after the next one (protection
    interval lead + review; a review under half a period is emulated as
    continuous, see ``review_periods``). With ``lead_std`` (periods, per
    item) each order's lead time is drawn, normal around ``lead`` and
    rounded to whole periods (``seed``, per item ``keys``; orders may
    cross). Fill rate 1 for
    an item without demand. s and S may be items x candidates matrices:
    each column is simulated on the same demand and lead times and the
    results are matrices too.
    """
    n_items, n_periods = paths.shape
    lead, review = review_periods(lead, review)
    drawn = _LeadTimes(lead, lead_std, n_items, seed, keys)
    lead = np.broadcast_to(np.round(lead).astype(int), n_items)
    review = np.broadcast_to(np.round(review).astype(int), (n_items,))
    reorder_point = np.asarray(reorder_point, dtype=float)
    order_up_to = np.asarray(order_up_to, dtype=float)
    shape = np.broadcast_shapes(reorder_point.shape, order_up_to.shape)
    wide = len(shape) == 2
    span = max(int(lead.max(initial=0)), int(drawn.longest.max(initial=0))) + 2
    # slot-major, one row per (slot, item): an order goes to row slot x items
    # + item, so the scatter indexes one axis (in place, buffers reused)
    pipeline = np.zeros((span * n_items, *shape[1:]))
    columns = np.arange(n_items)
    by_period = np.ascontiguousarray(paths.T)
    on_hand = np.array(np.broadcast_to(order_up_to, shape), dtype=float)
    on_order = np.zeros(shape)
    backlog = np.zeros(shape)
    served = np.zeros(shape)
    stock = np.zeros(shape)
    sold = np.empty(shape)
    position = np.empty(shape)
    qty = np.empty(shape)
    due = np.empty(shape, dtype=bool)
    every = review[:, None] if wide else review
    same_review = bool((review == 1).all())
    for t in range(n_periods):
        slot = t % span
        arriving = pipeline[slot * n_items : (slot + 1) * n_items]
        on_hand += arriving
        on_order -= arriving
        arriving[:] = 0.0
        demand = by_period[t][:, None] if wide else by_period[t]
        if lost_sales:
            np.minimum(on_hand, demand, out=sold)
            served += sold
        else:
            np.minimum(on_hand, demand + backlog, out=sold)
            served += np.maximum(sold - backlog, 0.0)
            backlog += demand - sold
        on_hand -= sold
        np.add(on_hand, on_order, out=position)
        if not lost_sales:
            position -= backlog
        np.less_equal(position, reorder_point, out=due)
        if not same_review:
            due &= t % every == 0
        np.subtract(order_up_to, position, out=qty)
        np.maximum(qty, 0.0, out=qty)
        qty *= due
        arrival = t + drawn.next() + 1 if drawn.varies else t + lead + 1
        pipeline[(arrival % span) * n_items + columns] += qty
        on_order += qty
        stock += on_hand
    total = paths.sum(axis=1)
    if wide:
        total = total[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(total > 0, served / total, 1.0)
    return fill, stock / n_periods


class _LeadTimes:
    """Lead times in whole periods drawn per item: normal, rounded, >= 0."""

    def __init__(self, lead, lead_std, n_items, seed, keys=None):
        self.lead = np.broadcast_to(np.asarray(lead, dtype=float), (n_items,))
        std = np.nan_to_num(np.asarray(lead_std, dtype=float))
        self.std = np.broadcast_to(np.maximum(std, 0.0), (n_items,))
        self.varies = bool(self.std.any())
        self.longest = np.round(self.lead + 4 * self.std).astype(int)
        self.rng = ItemRandom(keys, seed, n_items)

    def draw(self, size):
        """Return items x ``size`` lead times (whole periods)."""
        normal = self.rng.standard_normal(size)
        drawn = np.round(self.lead[:, None] + self.std[:, None] * normal)
        return np.clip(drawn, 0, self.longest[:, None]).astype(int)

    def next(self):
        """Return one lead time per item (whole periods)."""
        return self.draw(1)[:, 0]


CANDIDATE_LEVELS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97)
CANDIDATE_LEVELS += (0.98, 0.99, 0.995, 0.999, 1.0)


def allocate(fill, stock, weight, unit_cost, group, target, steps=50, price_cap=None):
    """Return per item the chosen candidate column (marginal allocation).

    ``fill`` / ``stock``: items x candidates; per group, one price ``lam``
    of stock value per unit of expected demand served is bisected (log
    scale) until the group's demand-weighted fill rate reaches its target
    (the demand-weighted mean of its items' ``target``); each item takes
    the candidate maximising ``weight x fill - lam x unit_cost x stock``.
    ``price_cap`` (per item, NaN none; one per group): the stock value
    paid for the last unit served (``1 / lam``) is at most that many times
    the group's average (its stock value per unit served), the group
    falling short of its target rather than buying the far tail. The
    price picks only corners of each item's fill / stock curve, so a small
    group overshoots its target: items then step down to their best
    cheaper candidate, cheapest fill lost per stock value saved first, as
    long as the group still reaches its target (``_step_down``).
    """
    caps = np.full(len(fill), np.nan) if price_cap is None else price_cap
    choice = np.zeros(len(fill), dtype=int)
    for name in np.unique(group):
        rows = np.flatnonzero(group == name)
        weight_rows = weight[rows]
        if weight_rows.sum() <= 0:
            choice[rows] = np.argmax(fill[rows] >= target[rows, None], axis=1)
            continue
        goal = np.average(target[rows], weights=weight_rows)
        gain = weight_rows[:, None] * fill[rows]
        cost = (unit_cost[rows] + 1e-9)[:, None] * stock[rows]
        low, high = -40.0, 20.0  # log price: stock free (all served) .. dear
        for _ in range(steps):
            middle = 0.5 * (low + high)
            index = np.argmax(gain - np.exp(middle) * cost, axis=1)
            if np.average(fill[rows, index], weights=weight_rows) >= goal:
                low = middle
            else:
                high = middle
        price = np.exp(low)
        cap = np.nanmax(caps[rows], initial=-np.inf)
        if cap > 0:
            index = np.argmax(gain - price * cost, axis=1)
            picked = np.arange(len(rows)), index
            average = cost[picked].sum() / max(gain[picked].sum(), 1e-12)
            # ``price`` buys fill per unit of stock value: its inverse is the
            # stock value paid for the last unit served
            price = max(price, 1.0 / (cap * average))
        index = np.argmax(gain - price * cost, axis=1)
        choice[rows] = _step_down(fill[rows], cost, weight_rows, goal, index)
    return choice


def _step_down(fill, cost, weight, goal, index):
    """Return ``index`` with items moved to their best cheaper candidate
    while the weighted fill rate stays at least ``goal``."""
    items = np.arange(len(fill))
    chosen_fill, chosen_cost = fill[items, index], cost[items, index]
    cheaper = cost < chosen_cost[:, None]
    lower = np.argmax(np.where(cheaper, fill, -np.inf), axis=1)
    loss = weight * (chosen_fill - fill[items, lower])
    saving = chosen_cost - cost[items, lower]
    slack = weight @ chosen_fill - goal * weight.sum()
    movable = np.flatnonzero(cheaper.any(axis=1) & (saving > 0))
    order = movable[np.argsort(loss[movable] / saving[movable], kind="stable")]
    moved = order[np.cumsum(loss[order]) <= slack]
    index = index.copy()
    index[moved] = lower[moved]
    return index


def bootstrap_policy(
    matrix,
    level,
    lead,
    review,
    order_qty,
    target,
    *,
    fill_rate=True,
    window=36,
    n_periods=480,
    steps=14,
    lost_sales=True,
    seed=0,
    to_forecast=True,
    level_spread=0.0,
    level_floor=0.0,
    segment=12,
    block=None,
    groups=None,
    unit_cost=1.0,
    demand_weight=None,
    price_cap=None,
    lead_std=0.0,
    keys=None,
    by_rate=False,
    rate_level_spread=None,
):
    """Return (reorder_point, expected_fill_rate, expected_stock) per item.

    ``matrix``: items x periods history (NaN unknown); ``level``: forecast
    demand per period (the resampled demand is scaled to it; NaN keeps the
    history's own level); ``lead`` and ``review`` in periods (a review
    under half a period is continuous, ``review_periods``); ``order_qty``
    the lot (S = s + Q); ``target`` the fill rate (``fill_rate``) or cycle
    service level per item (``fill_rate`` True / False, per item or for
    all). With ``groups`` (a label per item, e.g. the demand pattern) the
    fill-rate items of a group share one target, the demand-weighted mean
    of theirs, reached at least stock value (``allocate``, ``unit_cost``
    per item): each item's own promise is then its expected fill rate; an
    item without a cost (``unit_cost`` 0) reaches its own target, as
    without ``groups``: its stock has no value to share a target by, and
    the allocation took the far tail of its law as free.
    ``level_floor`` (per item or for all): the least coefficient of
    variation of the level factor; ``demand_weight`` (per item, demand per
    period): the weight of each item in its group's target instead of the
    resampled demand's mean (NaN: that mean); ``lead_std`` (periods, per
    item): the spread of the lead time, drawn per order and per window;
    ``keys`` (per item, ``item_keys``): each item's own random stream, so
    that its policy does not depend on the items planned with it (None:
    the row numbers); ``by_rate`` (per item or for all): items whose level
    factor changes how often they sell, if their window has as many periods
    without a sale as an intermittent item has (``RATE_ZERO_SHARE``), their
    level spread ``rate_level_spread`` (None: ``level_spread``). See the
    module docstring.
    """
    matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
    n_items = len(matrix)
    keys = np.arange(n_items) if keys is None else np.asarray(keys)
    lead = np.broadcast_to(np.asarray(lead, dtype=float), (n_items,))
    review = np.broadcast_to(np.nan_to_num(np.asarray(review, dtype=float)), (n_items,))
    fraction = short_window(lead, review)
    # a window under one period is simulated in SUB_PERIODS steps, each
    # step's demand thinned from one period: the review (at least one step,
    # daily) and the lead time share them as they share the window
    short = fraction < 1.0
    review_steps = np.clip(np.round(SUB_PERIODS * review / fraction), 1, SUB_PERIODS)
    lead, review = review_periods(lead, review)
    lead = np.where(short, SUB_PERIODS - review_steps, lead)
    review = np.where(short, review_steps, review)
    # a short window's lead time spread in its steps
    lead_std = np.broadcast_to(np.asarray(lead_std, dtype=float), (n_items,))
    lead_std = np.where(short, lead_std * SUB_PERIODS / fraction, lead_std)
    fraction = np.where(short, fraction / SUB_PERIODS, 1.0)
    protection = np.round(lead).astype(int) + np.round(review).astype(int)
    recent = matrix[:, -window:]
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.nanmean(np.where(np.isfinite(recent), recent, np.nan), axis=1)
    level = np.broadcast_to(np.asarray(level, dtype=float), (n_items,))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where((own > 0) & np.isfinite(level), level / own, 1.0)
    to_forecast = np.broadcast_to(np.asarray(to_forecast, dtype=bool), (n_items,))
    scale = np.where(to_forecast, scale, 1.0)
    level_cv = np.zeros(n_items)
    if level_spread or np.any(level_floor):
        level_cv = np.maximum(
            level_spread * mean_uncertainty(matrix, window), level_floor
        )
    by_rate = np.broadcast_to(np.asarray(by_rate, dtype=bool), (n_items,))
    by_rate = by_rate & (_zero_share(recent) >= RATE_ZERO_SHARE) & (level_cv > 0)
    if rate_level_spread is not None and by_rate.any():
        rate_cv = np.maximum(
            rate_level_spread * mean_uncertainty(matrix, window), level_floor
        )
        level_cv = np.where(by_rate, rate_cv, level_cv)
    block = np.broadcast_to(protection if block is None else block, (n_items,))
    size = sale_size(matrix, window) * scale
    lot = np.maximum(np.broadcast_to(np.asarray(order_qty, float), (n_items,)), 0.0)
    target = np.broadcast_to(np.asarray(target, dtype=float), (n_items,))
    fill_rate = np.broadcast_to(np.asarray(fill_rate, dtype=bool), (n_items,))

    def demand(rows, sample):
        """Resampled demand of ``rows``: sample 0 to choose on, 1 to promise
        on (the promise is read off a second sample: judged on the sample
        it was chosen on, a reorder point's fill rate is flattered by that
        noise)."""
        paths = resample_demand(
            matrix[rows],
            n_periods,
            window=window,
            block=block[rows],
            scale=scale[rows],
            level_cv=level_cv[rows] if level_cv.any() else None,
            by_rate=by_rate[rows],
            segment=segment,
            seed=seed + sample,
            keys=keys[rows],
        )
        return thin_demand(
            _hold(paths, short[rows]),
            fraction[rows],
            size=size[rows],
            seed=seed + 2 + sample,
            keys=keys[rows],
        )

    # the candidates are judged on one draw of lead times, the promise on another
    candidate_run = {"lost_sales": lost_sales, "seed": seed + 5}
    promise_run = {"lost_sales": lost_sales, "seed": seed + 6}

    promised = {"point": np.full(n_items, np.nan)}
    promised["fill"], promised["stock"] = np.zeros(n_items), np.zeros(n_items)

    def promise(point):
        """Per item (fill rate, stock) of ``point`` on the second sample; an
        item whose point was promised before keeps its figures (its draws
        are its own, whatever else is simulated with it)."""
        fill, stock = promised["fill"].copy(), promised["stock"].copy()
        changed = np.flatnonzero(point != promised["point"])
        for first in range(0, len(changed), CHUNK_ITEMS):
            rows = changed[first : first + CHUNK_ITEMS]
            fill[rows], stock[rows] = simulate_levels(
                demand(rows, 1),
                point[rows],
                point[rows] + lot[rows],
                lead[rows],
                review[rows],
                lead_std=lead_std[rows],
                keys=keys[rows],
                **promise_run,
            )
        promised.update(point=point.copy(), fill=fill, stock=stock)
        return fill.copy(), stock.copy()

    cost = np.broadcast_to(np.asarray(unit_cost, dtype=float), (n_items,))
    # an item without a cost has no stock value to share a target by: its own
    shared = fill_rate & (cost > 0) if groups is not None else np.zeros(n_items, bool)
    point = np.zeros(n_items)
    grid = np.zeros((n_items, len(CANDIDATE_LEVELS)))
    fills, stocks, weight = np.zeros_like(grid), np.zeros_like(grid), np.zeros(n_items)
    for rows in _chunks(n_items):
        paths = demand(rows, 0)
        sums, count = _window_sums(
            paths,
            protection[rows],
            _LeadTimes(lead[rows], lead_std[rows], len(paths), seed + 4, keys[rows]),
        )
        point[rows] = _quantile_of(sums, count, target[rows])
        weight[rows] = paths.mean(axis=1) / fraction[rows]  # per whole period
        judged = np.flatnonzero(fill_rate[rows])
        pooled = judged[shared[rows][judged]]
        if len(pooled):
            inside = rows.start + pooled
            levels = [np.full(len(pooled), level) for level in CANDIDATE_LEVELS]
            grid[inside] = np.stack(
                [_quantile_of(sums[pooled], count[pooled], at) for at in levels],
                axis=1,
            )
            grid[inside, 0] = 0.0
            fills[inside], stocks[inside] = simulate_levels(
                paths[pooled],
                grid[inside],
                grid[inside] + lot[inside, None],
                lead[inside],
                review[inside],
                lead_std=lead_std[inside],
                keys=keys[inside],
                **candidate_run,
            )
        alone = judged[~shared[rows][judged]]
        if len(alone):
            inside = rows.start + alone
            point[inside] = _bisected_point(
                paths[alone],
                target[inside],
                lot[inside],
                lead[inside],
                review[inside],
                protection[inside],
                steps,
                {"lead_std": lead_std[inside], "keys": keys[inside], **candidate_run},
            )
    if not shared.any():
        return (point, *promise(point))
    rows = np.flatnonzero(shared)
    cost = cost[rows]
    group = np.broadcast_to(np.asarray(groups, dtype=object), (n_items,))[rows]
    weight = weight[rows]
    if demand_weight is not None:
        given = np.broadcast_to(np.asarray(demand_weight, float), (n_items,))[rows]
        weight = np.where(np.isfinite(given), given, weight)
    caps = None
    if price_cap is not None:
        caps = np.broadcast_to(np.asarray(price_cap, float), (n_items,))[rows]
    last_promise = {}

    def allocated_at(aim):
        """(points, fill, stock) of ``rows`` allocated at ``aim``, the fill
        and stock read on the promise's sample (kept for every item)."""
        choice = allocate(
            fills[rows], stocks[rows], weight, cost, group, aim, price_cap=caps
        )
        point[rows] = grid[rows, choice]
        last_promise["fill"], last_promise["stock"] = promise(point)
        return (
            point[rows].copy(),
            last_promise["fill"][rows],
            last_promise["stock"][rows],
        )

    best = _aimed_allocation(allocated_at, weight, cost, group, target[rows])
    # the items outside the groups keep the last promise's figures: their
    # points are the same in every try
    fill, stock = last_promise["fill"], last_promise["stock"]
    point[rows], fill[rows], stock[rows] = best
    return point, fill, stock


def _aimed_allocation(allocated_at, weight, cost, group, target):
    """Return the (points, fill, stock) of a group allocation kept to its
    promise: ``allocated_at(aim)`` allocates at ``aim`` and reads the promise on a
    second sample; a group whose promise falls short there (the choice
    fitted the noise) aims higher, at most ``AIM_SHIFT`` of the way to 100 %
    (near it every item buys the far tail of its law for the last point of
    promise), three tries at most (``_best_tried`` keeps the best)."""
    shift = np.zeros(len(target))
    highest = target + AIM_SHIFT * (1.0 - target)
    tried, aim = [], None
    for _ in range(3):
        previous, aim = aim, np.minimum(target + shift, highest)
        if previous is not None and np.array_equal(aim, previous):
            break  # no group's aim moved: the same allocation again
        tried.append(allocated_at(aim))
        fill = tried[-1][1]
        worst = 0.0
        for name in np.unique(group):
            members = group == name
            if weight[members].sum() > 0:
                promised = np.average(fill[members], weights=weight[members])
                wanted = np.average(target[members], weights=weight[members])
                # a group within CONVERGED keeps its aim while others move
                if abs(wanted - promised) >= CONVERGED:
                    shift[members] += wanted - promised
                worst = max(worst, abs(wanted - promised))
        if worst < CONVERGED:
            break
    return _best_tried(tried, weight, cost, group, target)


CHUNK_ITEMS = 2000  # items simulated at a time: memory, not results
# a period without a sale in at least this share of them: the average
# demand interval of 1.32 periods that classes an item intermittent
RATE_ZERO_SHARE = 1.0 - 1.0 / 1.32
CONVERGED = 0.002  # a group's promise this close to its target is kept
AIM_SHIFT = 0.75  # a group's aim moves at most this share of the way to 100 %


def _zero_share(recent):
    """Per row, the share of its known periods without a sale."""
    known = np.isfinite(recent)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((np.nan_to_num(recent) <= 0) & known).sum(axis=1) / known.sum(axis=1)


def _chunks(n_items):
    """Slices of at most ``CHUNK_ITEMS`` items: every item draws from its own
    stream, so planning in chunks gives each item what one call gives."""
    return [
        slice(first, min(first + CHUNK_ITEMS, n_items))
        for first in range(0, n_items, CHUNK_ITEMS)
    ]


def _bisected_point(paths, target, lot, lead, review, protection, steps, run):
    """The smallest reorder point whose simulated fill rate on ``paths``
    reaches ``target`` (bisection, every item at once)."""
    low = np.zeros(len(paths))
    high = protection * np.max(paths, axis=1, initial=0.0)
    for _ in range(steps):
        middle = 0.5 * (low + high)
        fill = simulate_levels(paths, middle, middle + lot, lead, review, **run)[0]
        reached = fill >= target
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle)
    return high


def _best_tried(tried, weight, cost, group, target):
    """Return the (points, fill, stock) of the allocations ``tried``, per
    group the one of least stock value whose promise reaches the group's
    target (0.2 point spared), else the one promising most."""
    points, fills, stocks = (np.stack(part) for part in zip(*tried, strict=True))
    best = [array[-1].copy() for array in (points, fills, stocks)]
    for name in np.unique(group):
        members = group == name
        if weight[members].sum() <= 0:
            continue
        promised = fills[:, members] @ weight[members] / weight[members].sum()
        wanted = np.average(target[members], weights=weight[members])
        value = stocks[:, members] @ cost[members]
        kept = promised >= wanted - CONVERGED
        pick = np.argmin(np.where(kept, value, np.inf)) if kept.any() else None
        pick = np.argmax(promised) if pick is None else pick
        for result, array in zip(best, (points, fills, stocks), strict=True):
            result[members] = array[pick, members]
    return best


def _hold(paths, rows):
    """Return ``paths`` with each period of ``rows`` held for SUB_PERIODS steps.

    The steps of one window then thin the same period's demand (their sum
    is that period thinned to the whole window), so a lumpy period stays
    lumpy over the window.
    """
    if not rows.any():
        return paths
    paths = paths.copy()
    held = np.repeat(paths[rows], SUB_PERIODS, axis=1)
    paths[rows] = held[:, : paths.shape[1]]
    return paths


def _window_sums(paths, protection, lead_times=None):
    """Return per item its sorted demand sums over ``protection`` periods.

    With ``lead_times`` (``_LeadTimes``) each window's lead time is drawn:
    its width moves by the drawn lead time's difference from the planned
    one. Rows are padded with ``inf`` past their count of windows (also
    returned).
    """
    cumulative = np.concatenate(
        [np.zeros((len(paths), 1)), np.cumsum(paths, axis=1)], axis=1
    )
    n_periods = paths.shape[1]
    width = np.minimum(protection, n_periods)[:, None]
    if lead_times is not None and lead_times.varies:
        planned = np.round(lead_times.lead).astype(int)[:, None]
        width = np.maximum(width + lead_times.draw(n_periods + 1) - planned, 1)
    ends = np.arange(n_periods + 1)[None, :] + width
    valid = ends <= n_periods
    sums = np.take_along_axis(cumulative, np.minimum(ends, n_periods), axis=1)
    return np.sort(np.where(valid, sums - cumulative, np.inf), axis=1), valid.sum(
        axis=1
    )


def _quantile_of(sums, count, level):
    """Return per item the ``level`` quantile of its sorted window sums."""
    rank = np.clip(np.ceil(level * count).astype(int) - 1, 0, count - 1)
    return np.take_along_axis(sums, rank[:, None], axis=1)[:, 0]
