"""Demand review of a cycle: history -> forecast engine -> plan lines."""

import logging
import math
import time

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..engine import run_forecast
from .sop_bulk import bulk_create, bulk_update, product_templates
from .sop_common import GROUP_PLANNER, GROUP_USER, filtered_action, first_of_this_month
from .sop_cycle_supply import realised_prices

_logger = logging.getLogger(__name__)

ENGINE_BATCH = 500  # items per engine call when the whole run fails
PATTERN_MAP = {"no demand": "none"}
ITEM_FIELDS = ("abc", "xyz", "pattern", "adi", "cv2", "n_periods")
SCORE_FIELDS = ("wape", "mase", "bias", "sigma")
# what a chunk reads of the prepare's frames (_write_forecasts, _write_plan_lines)
KEYS = ("product_id", "warehouse_id")
CHUNK_ITEM_COLUMNS = (
    *KEYS,
    *("state", "skip_reason", "skip_words", "model", "params", "reason"),
    *ITEM_FIELDS,
    *SCORE_FIELDS,
)
CHUNK_FORECAST_COLUMNS = (*KEYS, "period", "forecast", "lower", "upper", "sigma_cum")
CHUNK_GAP_COLUMNS = (*KEYS, "period", "forecast")
CHUNK_HISTORY_COLUMNS = (*KEYS, "period", "qty")
# an adjustment a next month's plan takes from the last approved one
CARRIED_COLUMNS = (
    *KEYS,
    "date_month",
    "adjustment_mode",
    "adjustment_percent",
    "adjustment_qty",
    "adjustment_reason",
    "adjustment_note",
    "adjusted_by_id",
    "date_adjusted",
)


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    forecast_ids = fields.One2many(
        "sop.forecast", "cycle_id", string="Forecasts", groups=GROUP_USER
    )
    plan_line_ids = fields.One2many(
        "sop.plan.line", "cycle_id", string="Plan Lines", groups=GROUP_USER
    )
    forecast_count = fields.Integer(compute="_compute_plan_summary", groups=GROUP_USER)
    skipped_count = fields.Integer(
        string="Skipped Products",
        compute="_compute_plan_summary",
        groups=GROUP_USER,
    )
    date_forecast = fields.Datetime(string="Forecast Run On", readonly=True, copy=False)
    date_history_from = fields.Date(
        string="History From", readonly=True, copy=False, help="Its first month."
    )
    date_history_to = fields.Date(
        string="History Before",
        readonly=True,
        copy=False,
        help="First month not in the history.",
    )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_run_forecast(self):
        """Button: (re)run the statistical forecast of the demand review."""
        result = True
        for cycle in self:
            result = cycle._run_forecast()
        return result

    def action_open_plan_lines(self):
        """Open this cycle's plan lines (editable list, pivot, graph)."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_plan_line_action",
            [("cycle_id", "=", self.id)],
            {"default_cycle_id": self.id},
        )

    def action_open_forecasts(self):
        """Open this cycle's per-product forecasts."""
        self.ensure_one()
        return filtered_action(
            self.env, "sop_planning.sop_forecast_action", [("cycle_id", "=", self.id)]
        )

    # ------------------------------------------------------------------
    # Forecast run
    # ------------------------------------------------------------------
    def _history_window(self):
        """Return (date_from, date_to): full months before the plan or today."""
        self.ensure_one()
        today = first_of_this_month(self)
        date_to = min(self.date_month, today)
        return date_to - relativedelta(months=self.history_months), date_to

    def _run_forecast(self):
        """Forecast every product x warehouse in scope and refresh the plan.

        Planner adjustments survive: lines are updated in place, keyed by
        product x warehouse x month. What depends on the plan is told through
        ``_on_plan_changed`` (scenario scores go back to draft). The work is a
        step of ``_sop_run_step`` (sop_cycle_jobs.py): ``_forecast_prepare``
        (history and engine, whole catalogue), ``_forecast_chunk`` (writes, per
        chunk of products) and ``_forecast_finalize``.
        """
        self.ensure_one()
        what = self.env._("run a forecast")
        self._check_group(GROUP_PLANNER, what)
        self._check_not_frozen(what)
        if self.state != "demand_review":
            raise UserError(
                self.env._("The forecast runs only in the demand review step.")
            )
        products = self._get_scope_products()
        if not products:
            raise UserError(
                self.env._(
                    "Cycle %s has no storable product in its scope: check its "
                    "product categories and product filter.",
                    self.display_name,
                )
            )
        self._check_scope_warehouses_active()
        warehouses = self._get_scope_warehouses()
        if not warehouses:
            raise UserError(self.env._("The company has no warehouse to plan."))
        self._check_no_adjustment_leaves(
            products | self._get_scope_archived_products(), warehouses
        )
        return self._sop_run_step("forecast")

    def _out_of_scope_forecasts(self, products, warehouses):
        """The cycle's forecasts of products or warehouses its scope no
        longer holds: not among ``products`` (the scope's, archived ones
        included: they are reported as skipped) or ``warehouses``."""
        return (
            self.env["sop.forecast"]
            .sudo()
            .search(
                [
                    ("cycle_id", "=", self.id),
                    "|",
                    ("product_id", "not in", products.ids),
                    ("warehouse_id", "not in", warehouses.ids),
                ]
            )
        )

    def _check_no_adjustment_leaves(self, products, warehouses):
        """Refuse a run that would remove adjusted plan lines with their
        products (the scope was narrowed, a product moved to another category
        or is no longer storable): the planner clears them, or restores the
        scope, first; nothing a planner typed is deleted unasked."""
        adjusted = (
            self.env["sop.plan.line"]
            .sudo()
            .search(
                [
                    (
                        "forecast_id",
                        "in",
                        self._out_of_scope_forecasts(products, warehouses).ids,
                    ),
                    ("adjustment_qty", "!=", 0.0),
                ]
            )
        )
        if adjusted:
            raise UserError(
                self.env._(
                    "%(count)s adjusted plan line(s) of products no longer in "
                    "the scope of %(cycle)s would be removed by this run: "
                    "%(names)s. Clear their adjustments to let them go, or "
                    "restore the scope.",
                    count=len(adjusted),
                    cycle=self.display_name,
                    names=", ".join(
                        sorted(set(adjusted.mapped("product_id.display_name")))[:5]
                    ),
                )
            )

    def _forecast_prepare(self):
        """Read the history and run the engine on the whole catalogue.

        Return (product ids, frames keyed by product for the chunks, info for
        the finalize). Products and warehouses planned before and no longer
        in scope leave the plan first (``_remove_out_of_scope``).
        """
        timer = _Timer()
        date_from, date_to = self._history_window()
        products = self._get_scope_products()
        archived = self._get_scope_archived_products()
        warehouses = self._get_scope_warehouses()
        self._remove_out_of_scope(products | archived, warehouses)
        history = self.env["sop.demand.history"]._extract(
            self.company_id, warehouses, products | archived, date_from, date_to
        )
        mismatch = history.attrs.get("uom_mismatch", {})
        timer.lap("extraction")
        items, forecast, gap = self._forecast_history(
            history[~history["product_id"].isin(archived.ids)], date_to
        )
        items = self._add_unforecast_items(
            items, history, products, archived, warehouses, mismatch
        )
        timer.lap("engine")
        items, kept = self._keep_previous_on_engine_failure(items)
        _logger.info("S&OP forecast run of %s, whole catalogue: %s", self.name, timer)
        # the plan lines show the history of a year before each plan month
        year_before = pd.Timestamp(self.date_month) - pd.DateOffset(years=1)
        # only the columns the chunks write: every chunk's payload is smaller
        frames = {
            "items": _columns(items, CHUNK_ITEM_COLUMNS),
            "forecast": _columns(forecast, CHUNK_FORECAST_COLUMNS),
            "gap_forecast": _columns(gap, CHUNK_GAP_COLUMNS),
            "history": _columns(
                history[history["period"] >= year_before], CHUNK_HISTORY_COLUMNS
            ),
            "kept": pd.DataFrame(list(kept), columns=["product_id", "warehouse_id"]),
            # realised prices read once here, not by every chunk again
            "prices": pd.Series(realised_prices(history), name="price")
            .rename_axis("product_id")
            .reset_index(),
            # the window the history was read on: a chunk run as a job after
            # the month's end judges "Last Year" on it, not on its own day
            "window": pd.DataFrame(
                {
                    "date_from": [pd.Timestamp(date_from)],
                    "date_to": [pd.Timestamp(date_to)],
                }
            ),
        }
        carried, plans = self._previous_adjustments(products, warehouses)
        frames["carried"] = carried
        info = {"date_from": str(date_from), "date_to": str(date_to), "plans": plans}
        return sorted({*products.ids, *archived.ids}), frames, info

    def _previous_adjustments(self, products, warehouses):
        """The adjustments the last approved plan of each product x
        warehouse made to the months this cycle plans (a campaign planned
        last month for the next quarter), and the names of those plans.

        The newest approved (or since closed) earlier cycle of the company
        that planned the product there (of an earlier month, or of this
        month made before: a re-plan) is its last plan: an adjustment an
        older plan had and the last one cleared stays cleared. Only lines
        this cycle does not have yet take them (``_save_grid``).
        """
        first = self.date_month
        rows = self.env.execute_query(
            SQL(
                """
                WITH last AS (
                    SELECT DISTINCT ON (pl.product_id, pl.warehouse_id)
                           pl.product_id, pl.warehouse_id, pl.cycle_id
                      FROM sop_plan_line pl
                      JOIN sop_cycle c ON c.id = pl.cycle_id
                     WHERE c.company_id = %(company)s
                       AND c.state IN ('approved', 'closed')
                       -- an earlier month's plan, or this month's made
                       -- before (a re-plan follows the plan it replaces)
                       AND (c.date_month < %(first)s
                            OR (c.date_month = %(first)s AND c.id < %(cycle)s))
                       AND c.date_month + make_interval(months => c.horizon_months)
                           > %(first)s
                       AND pl.product_id = ANY(%(products)s)
                       AND pl.warehouse_id = ANY(%(warehouses)s)
                     ORDER BY pl.product_id, pl.warehouse_id,
                              c.date_month DESC, c.id DESC
                )
                SELECT pl.product_id, pl.warehouse_id, pl.date_month,
                       pl.adjustment_mode, pl.adjustment_percent,
                       pl.adjustment_qty, pl.adjustment_reason,
                       pl.adjustment_note, pl.adjusted_by_id, pl.date_adjusted,
                       c.name
                  FROM sop_plan_line pl
                  JOIN last ON last.cycle_id = pl.cycle_id
                           AND last.product_id = pl.product_id
                           AND last.warehouse_id = pl.warehouse_id
                  JOIN sop_cycle c ON c.id = pl.cycle_id
                 WHERE pl.adjustment_reason IS NOT NULL
                   AND pl.date_month = ANY(%(months)s)
                """,
                company=self.company_id.id,
                cycle=self.id,
                first=first,
                products=products.ids,
                warehouses=warehouses.ids,
                months=self._plan_months(),
            )
        )
        frame = pd.DataFrame(rows, columns=[*CARRIED_COLUMNS, "plan"])
        for name in ("date_month", "date_adjusted"):
            frame[name] = pd.to_datetime(frame[name])
        return frame[list(CARRIED_COLUMNS)], sorted(set(frame["plan"]))

    def _remove_out_of_scope(self, products, warehouses):
        """Remove the forecasts and plan lines of products or warehouses the
        cycle no longer plans (its scope was narrowed): they would become
        policies and stock at approval. Adjusted ones were refused before
        the run (``_check_no_adjustment_leaves``); the chatter names them."""
        gone = self._out_of_scope_forecasts(products, warehouses)
        if not gone:
            return
        names = ", ".join(
            f"{f.product_id.display_name} ({f.warehouse_id.code})" for f in gone[:5]
        )
        if len(gone) > 5:
            names += " " + self.env._("and %s more", len(gone) - 5)
        gone.unlink()
        self.message_post(
            body=self.env._(
                "%(count)s product(s) x warehouse(s) no longer in the cycle's "
                "scope left the plan: %(names)s.",
                count=len(gone),
                names=names,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _forecast_chunk(self, product_ids, frames):
        """Write the forecasts and plan lines of ``product_ids`` (idempotent)."""
        timer = _Timer()
        items = frames["items"]
        kept = set(frames["kept"].itertuples(index=False, name=None))
        # absent from a run an earlier version prepared: left as stored
        forecast_ids = self._write_forecasts(items, frames.get("gap_forecast"))
        timer.lap("forecast records")
        row = frames["window"].iloc[0]
        window = (row["date_from"].date(), row["date_to"].date())
        carried = self._write_plan_lines(
            items,
            frames["forecast"],
            forecast_ids,
            frames["history"],
            window,
            kept,
            product_ids,
            frames.get("carried"),  # absent from a run an earlier version prepared
        )
        prices = frames.get("prices")  # absent from a run an earlier version prepared
        realised = (
            None
            if prices is None
            else dict(zip(prices["product_id"], prices["price"], strict=True))
        )
        self._value_plan_lines(product_ids, window, realised)
        timer.lap("plan lines")
        _logger.info(
            "S&OP forecast run of %s, %d products: %s",
            self.name,
            len(product_ids),
            timer,
        )
        counts = items["state"].value_counts().to_dict()
        counts["carried"] = carried
        return counts

    def _forecast_finalize(self, counts, info):
        """Tell what depends on the plan; date and sum up the run."""
        date_from = fields.Date.to_date(info["date_from"])
        date_to = fields.Date.to_date(info["date_to"])
        self._on_plan_changed()
        self.sudo().write(
            {
                "date_forecast": fields.Datetime.now(),
                "date_history_from": date_from,
                "date_history_to": date_to,
            }
        )
        self.message_post(
            body=self.env._(
                "Forecast run by %(user)s on %(months)s months of history "
                "(%(start)s to %(end)s): %(ok)s forecast, %(none)s without "
                "history, %(skip)s skipped.",
                user=self.env.user.name,
                months=self.history_months,
                start=format_date(self.env, date_from),
                end=format_date(self.env, date_to - relativedelta(days=1)),
                ok=counts.get("ok", 0),
                none=counts.get("no_history", 0),
                skip=counts.get("skipped", 0),
            )
            + self._skipped_note(
                self.forecast_ids.filtered(lambda f: f.state == "skipped")
            )
            + self._carried_note(counts.get("carried", 0), info.get("plans", [])),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _carried_note(self, count, plans):
        """The sentence (with a leading space) saying how many adjustments
        the new plan lines took from the last approved ``plans``; empty
        without any."""
        if not count:
            return ""
        return " " + self.env._(
            "%(count)s adjustment(s) of the approved plan %(plans)s brought "
            "forward to the months this plan covers too, with their reasons: "
            "review them on the plan lines (filter Adjusted).",
            count=count,
            plans=", ".join(plans),
        )

    def _check_scope_warehouses_active(self):
        """Refuse archived warehouses: the plan would silently drop them."""
        chosen = self.with_context(active_test=False).warehouse_ids
        archived = chosen.filtered(lambda w: not w.active)
        if archived:
            raise UserError(
                self.env._(
                    "Cycle %(cycle)s plans the archived warehouse %(warehouse)s: "
                    "remove it from the cycle or restore it.",
                    cycle=self.display_name,
                    warehouse=archived[0].display_name,
                )
            )

    def _get_scope_archived_products(self):
        """Archived products of the scope: reported as skipped if they sold."""
        scope = self.with_context(active_test=False)._get_scope_products()
        # one query, not a read of every product of the scope
        return scope.search([("id", "in", scope.ids), ("active", "=", False)])

    def _forecast_history(self, history, date_to):
        """Run the engine; return (items, forecast, gap) keyed by
        product/warehouse.

        ``forecast``: the plan's months; ``gap``: the months from ``date_to``
        to the plan's first month (none when the plan starts there), which
        the supply review takes from today's stock. The history frame gets a
        zero row in the last month of each item so the engine's calendar ends
        right before ``date_to``. When the whole run fails, items are retried
        in batches and a failing batch is skipped.
        """
        known = history.dropna(subset=["qty"])
        pairs = known[["product_id", "warehouse_id"]].drop_duplicates()
        if pairs.empty:
            return _empty_items(), pd.DataFrame(), pd.DataFrame()
        history = history.merge(pairs, on=["product_id", "warehouse_id"])
        engine_input = self.env["sop.demand.history"]._engine_input(
            history, pairs, date_to - relativedelta(months=1)
        )
        gap = (self.date_month.year - date_to.year) * 12 + (
            self.date_month.month - date_to.month
        )
        horizon = gap + self.horizon_months
        try:
            result = run_forecast(engine_input, horizon=horizon, freq="M")
            items, forecast = result.items, result.forecast
        except Exception as exc:  # noqa: BLE001 - the run goes on in batches
            _logger.warning("S&OP forecast of %s failed (%s); batches", self.name, exc)
            items, forecast = self._forecast_in_batches(engine_input, horizon)
        demand_history = self.env["sop.demand.history"]
        items = demand_history._with_pair(items).assign(
            state=items.get("state", pd.Series("ok", index=items.index)),
        )
        items["state"] = items["state"].fillna("ok")
        gap = pd.DataFrame()
        if not forecast.empty:
            forecast = demand_history._with_pair(forecast)
            in_plan = forecast["period"] >= pd.Timestamp(self.date_month)
            gap, forecast = forecast[~in_plan], forecast[in_plan]
        return items, forecast, gap

    def _forecast_in_batches(self, engine_input, horizon):
        item_ids = engine_input["item_id"].unique()
        items, forecasts = [], []
        for start in range(0, len(item_ids), ENGINE_BATCH):
            batch = item_ids[start : start + ENGINE_BATCH]
            part = engine_input[engine_input["item_id"].isin(batch)]
            try:
                result = run_forecast(part, horizon=horizon, freq="M")
            except Exception as exc:  # noqa: BLE001 - skip this batch only
                _logger.warning("S&OP forecast batch failed: %s", exc)
                reason, words = self.env["sop.forecast"]._skip_words(
                    "engine_failed", error=str(exc)
                )
                items.append(
                    pd.DataFrame(
                        {
                            "item_id": batch,
                            "state": "skipped",
                            "engine_failed": True,
                            "skip_reason": reason,
                            "skip_words": [words] * len(batch),
                        }
                    )
                )
                continue
            items.append(result.items)
            forecasts.append(result.forecast)
        forecast = pd.concat(forecasts) if forecasts else pd.DataFrame()
        return pd.concat(items, ignore_index=True), forecast

    def _keep_previous_on_engine_failure(self, items):
        """Items of a failed engine batch keep their previous forecast and lines.

        Return the items to write and the (product, warehouse) keys kept.
        """
        if "engine_failed" not in items:
            return items, set()
        previous = {(f.product_id.id, f.warehouse_id.id) for f in self.forecast_ids}
        keys = pd.MultiIndex.from_frame(items[["product_id", "warehouse_id"]])
        keep = items["engine_failed"].eq(True).to_numpy() & keys.isin(previous)
        kept = set(keys[keep])
        if kept:
            _logger.warning(
                "S&OP cycle %s: %d item(s) keep their previous forecast",
                self.name,
                len(kept),
            )
        return items[~keep], kept

    def _add_unforecast_items(
        self, items, history, products, archived, warehouses, mismatch
    ):
        """Add visible records for products the engine did not forecast."""
        rows = []
        worded = self.env["sop.forecast"]._skip_words
        sold = set(history.dropna(subset=["qty"])["product_id"])
        archived_reason = worded("archived")
        for product in archived.filtered(lambda p: p.id in sold):
            for wh in history.loc[
                history["product_id"] == product.id, "warehouse_id"
            ].unique():
                rows.append((product.id, int(wh), "skipped", *archived_reason))
        for product_id in set(products.ids) - sold:
            reason = worded("no_history")
            if product_id in mismatch:
                reason = worded("unit_mismatch", lines=mismatch[product_id])
            for warehouse in warehouses:
                rows.append((product_id, warehouse.id, "no_history", *reason))
        if rows:
            columns = ["product_id", "warehouse_id", "state", "skip_reason"]
            extra = pd.DataFrame(rows, columns=[*columns, "skip_words"])
            extra = extra.drop_duplicates(["product_id", "warehouse_id"])
            items = pd.concat([items, extra], ignore_index=True)
        if rows:
            _logger.info(
                "S&OP cycle %s: %d product x warehouse without forecast",
                self.name,
                len(rows),
            )
        return items

    def _write_forecasts(self, items, gap=None):
        """Create or update one sop.forecast per item; return {(p, w): id}.

        ``gap``: the forecast of the months before the plan
        (``_forecast_history``), stored as each item's ``gap_forecast``;
        left as stored when None.
        """
        Forecast = self.env["sop.forecast"]
        product_ids = items["product_id"].astype(int).unique().tolist()
        existing = self._forecast_ids(product_ids)
        gap_forecasts = None if gap is None else _gap_forecasts(gap)
        items = items.replace({np.nan: None})
        records = []
        for row in items.itertuples(index=False):
            vals = {
                "state": row.state,
                "skip_reason": getattr(row, "skip_reason", None),
                "skip_words": getattr(row, "skip_words", None),
                "model": getattr(row, "model", None),
                "params": getattr(row, "params", None) or {},
                "engine_reason": getattr(row, "reason", None),
                "abc": getattr(row, "abc", None),
                "xyz": getattr(row, "xyz", None),
                "pattern": PATTERN_MAP.get(
                    getattr(row, "pattern", None), getattr(row, "pattern", None)
                ),
            }
            for name in ITEM_FIELDS[3:] + SCORE_FIELDS:
                value = getattr(row, name, None)
                vals[name] = (
                    None if value is None or not math.isfinite(value) else value
                )
            key = (int(row.product_id), int(row.warehouse_id))
            if gap_forecasts is not None:
                vals["gap_forecast"] = gap_forecasts.get(key)
            records.append((key, vals))
        to_update = [(existing[key], vals) for key, vals in records if key in existing]
        if to_update:
            ids = [rid for rid, _vals in to_update]
            columns = {
                name: [vals[name] for _rid, vals in to_update]
                for name in to_update[0][1]
            }
            bulk_update(Forecast, ids, columns)
        new = [
            dict(
                vals,
                cycle_id=self.id,
                company_id=self.company_id.id,
                product_id=key[0],
                warehouse_id=key[1],
            )
            for key, vals in records
            if key not in existing
        ]
        if new:
            self._insert_forecasts(new)
            existing = self._forecast_ids(product_ids)
        return existing

    def _forecast_ids(self, product_ids):
        """{(product, warehouse): id} of this cycle's forecasts of ``product_ids``."""
        self.env["sop.forecast"].flush_model()
        return {
            (product_id, warehouse_id): forecast_id
            for forecast_id, product_id, warehouse_id in self.env.execute_query(
                SQL(
                    """SELECT id, product_id, warehouse_id FROM sop_forecast
                        WHERE cycle_id = %s AND product_id = ANY(%s)""",
                    self.id,
                    product_ids,
                )
            )
        }

    def _insert_forecasts(self, vals_list):
        """Insert new forecasts in SQL, with the values the ORM would store.

        A forecast has no create side effect; its stored related fields are set
        here. Products and warehouses are the cycle's company's (the scope).
        """
        Forecast = self.env["sop.forecast"]
        Forecast.check_access("create")
        self._check_not_frozen()
        templates = product_templates(
            self.env, {vals["product_id"] for vals in vals_list}
        )
        numbers = ITEM_FIELDS[3:] + SCORE_FIELDS  # the ORM stores 0 for None
        bulk_create(
            Forecast,
            [
                dict(
                    vals,
                    params=vals["params"] or None,
                    product_tmpl_id=templates[vals["product_id"]][0],
                    categ_id=templates[vals["product_id"]][1],
                    **{name: vals[name] or 0 for name in numbers},
                )
                for vals in vals_list
            ],
        )
        Forecast.invalidate_model()

    def _plan_months(self):
        return [
            self.date_month + relativedelta(months=k)
            for k in range(self.horizon_months)
        ]

    def _write_plan_lines(
        self,
        items,
        forecast,
        forecast_ids,
        history,
        window,
        kept=(),
        product_ids=None,
        carried=None,
    ):
        """Create missing lines, refresh the statistics of existing ones;
        return how many new lines took an adjustment from ``carried``.

        ``window``: (first month, first month after) of the ``history`` read
        by the run. ``product_ids``: the products this write covers (a chunk
        of the run); lines of other products are left alone. All products
        when None. ``carried``: the last approved plan's adjustments
        (``_previous_adjustments``).
        """
        months = pd.DatetimeIndex(self._plan_months())
        keys = items[["product_id", "warehouse_id"]].astype(int)
        keys = keys[items["state"] != "skipped"].drop_duplicates()
        grid = keys.merge(pd.DataFrame({"period": months}), how="cross")
        if not forecast.empty:
            fc = forecast[["product_id", "warehouse_id", "period"]].copy()
            fc["forecast_qty"] = forecast["forecast"].clip(lower=0.0)
            fc["lower_qty"] = forecast["lower"]
            fc["upper_qty"] = forecast["upper"]
            fc["sigma_cum"] = forecast.get("sigma_cum", np.nan)
            fc["period"] = pd.to_datetime(fc["period"])
            grid = grid.merge(
                fc, on=["product_id", "warehouse_id", "period"], how="left"
            )
        for name in ("forecast_qty", "lower_qty", "upper_qty"):
            if name not in grid:
                grid[name] = 0.0
            grid[name] = grid[name].fillna(0.0)
        if "sigma_cum" not in grid:
            grid["sigma_cum"] = np.nan
        last_year = history.assign(period=history["period"] + pd.DateOffset(years=1))
        last_year = last_year.groupby(
            ["product_id", "warehouse_id", "period"], as_index=False
        )["qty"].sum(min_count=1)
        grid = grid.merge(
            last_year.rename(columns={"qty": "history_qty"}).assign(has_row=True),
            on=["product_id", "warehouse_id", "period"],
            how="left",
        )
        # a month of the history window without a row had no demand: a known
        # zero; out of stock (NaN), not over yet or out of the window: unknown
        date_from, date_to = map(pd.Timestamp, window)
        year_before = grid["period"] - pd.DateOffset(years=1)
        no_demand = (
            grid["has_row"].isna()
            & (year_before >= date_from)
            & (year_before < date_to)
        )
        grid["history_qty"] = grid["history_qty"].mask(no_demand, 0.0)
        grid = grid.drop(columns="has_row")
        return self.env["sop.plan.line"]._save_grid(
            self, grid, forecast_ids, kept, product_ids, carried
        )

    def _value_plan_lines(self, product_ids, window, realised):
        """Unit price and cost of the lines of ``product_ids``, as the supply
        review values them (``_value_lines``): the plan's revenue and margin
        show from the demand review on; then their consensus and money are
        recomputed once. ``window``: the run's history (first month, first
        month after); ``realised``: its realised price by product, read
        from the history when None."""
        Line = self.env["sop.plan.line"]
        lines = self._supply_lines(product_ids)
        if lines.empty:
            return
        products = self.env["product.product"].browse(
            lines["product_id"].unique().tolist()
        )
        lines = self._value_lines(lines, products, window, realised)
        # the money written with the prices, as the supply review writes it:
        # the recompute (exact rounding, inventory value) then rewrites only
        # the few lines it changes, not every line a second time
        money = self._line_money(lines.assign(projected=0.0))
        bulk_update(
            Line,
            lines["id"].tolist(),
            {
                "price_unit": lines["price"].tolist(),
                "cost_unit": lines["cost"].tolist(),
                **{
                    name: money[name].tolist() for name in ("revenue", "cost", "margin")
                },
            },
            only_changed=True,
        )
        Line._sql_recompute(self, product_ids)

    @api.depends("forecast_ids.state")
    def _compute_plan_summary(self):
        groups = {
            (cycle.id, state): count
            for cycle, state, count in self.env["sop.forecast"]._read_group(
                [("cycle_id", "in", self.ids)], ["cycle_id", "state"], ["__count"]
            )
        }
        for cycle in self:
            cycle.forecast_count = sum(
                groups.get((cycle.id, s), 0) for s in ("ok", "no_history", "skipped")
            )
            cycle.skipped_count = groups.get((cycle.id, "skipped"), 0) + groups.get(
                (cycle.id, "no_history"), 0
            )


class _Timer:
    """Wall-clock laps of a run, for the log."""

    def __init__(self):
        self.start = time.perf_counter()
        self.laps = []

    def lap(self, name):
        now = time.perf_counter()
        self.laps.append((name, now - self.start))
        self.start = now

    def __str__(self):
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.laps)


def _columns(frame, names):
    """``frame`` with only those of ``names`` it has."""
    return frame[[name for name in names if name in frame]]


def _gap_forecasts(gap):
    """{(product, warehouse): {"YYYY-MM-01": forecast}} of the months before
    the plan (``gap``: product_id, warehouse_id, period, forecast), a
    negative or missing forecast as none (as the plan lines store it)."""
    if gap.empty:
        return {}
    gap = gap.sort_values([*KEYS, "period"])
    months = pd.to_datetime(gap["period"]).dt.strftime("%Y-%m-%d")
    quantities = gap["forecast"].astype(float).fillna(0.0).clip(lower=0.0)
    result = {}
    for product_id, warehouse_id, month, qty in zip(
        gap["product_id"].astype(int).tolist(),
        gap["warehouse_id"].astype(int).tolist(),
        months.tolist(),
        quantities.tolist(),
        strict=True,
    ):
        result.setdefault((product_id, warehouse_id), {})[month] = qty
    return result


def _empty_items():
    return pd.DataFrame(columns=["item_id", "product_id", "warehouse_id", "state"])
