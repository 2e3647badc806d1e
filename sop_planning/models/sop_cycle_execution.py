import logging
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..engine import (
    MAX_LEAD_TIME_DAYS,
    PERIOD_DAYS,
    EngineInputError,
    history_matrix,
    planned_policy,
    round_policy,
)
from .sop_common import filtered_action, first_of_this_month, stored_percent
from .sop_supply_data import pulled_demand

_logger = logging.getLogger(__name__)

# engine calls spent finding the items the policy engine fails on
ISOLATION_CALLS = 256

# Columns of the policy engine's output stored on sop.inventory.policy.
POLICY_COLUMNS = {
    "method": "method",
    "demand_per_day": "demand_per_day",
    "lead_time_demand": "lead_time_demand",
    "safety_stock": "safety_stock",
    "reorder_point": "reorder_point",
    "order_up_to": "order_up_to",
    "order_qty": "order_qty",
    "qty_multiple": "multiple",
    "coverage_days": "coverage_days",
    "explanation": "explanation",
}
# Columns of the engine's result and of its items that a policy stores.
RESULT_COLUMNS = [
    *dict.fromkeys(POLICY_COLUMNS.values()),
    "target",
    "service_type",
    "expected_fill_rate",
    "backtest_state",
    "backtest_fill_rate",
    "backtest_avg_stock",
    "backtest_avg_stock_value",
    "raised_rate",
]
ITEM_COLUMNS = ["lead_time_days", "lead_time_std_days", "purchase_uom_id"]
# The resampled law reads two years of history; its backtest plans a year
# back from the two years before that.
POLICY_HISTORY_MONTHS = 36
BACKTEST_MONTHS = 12
# fewer known months before the replayed year: the backtest is not shown
BACKTEST_MIN_MONTHS = 12
SKIPPED_NAMED = 3  # products named per skip reason in the chatter


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    """Approved plan -> inventory policies -> Odoo reordering rules."""

    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    policy_ids = fields.One2many("sop.inventory.policy", "cycle_id")
    policy_count = fields.Integer(compute="_compute_policy_count")

    @api.depends("policy_ids")
    def _compute_policy_count(self):
        counts = dict(
            self.env["sop.inventory.policy"]._read_group(
                [("cycle_id", "in", self.ids)], ["cycle_id"], ["__count"]
            )
        )
        for cycle in self:
            cycle.policy_count = counts.get(cycle, 0)

    def action_open_policies(self):
        """Open the inventory policies of this plan."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_inventory_policy_action",
            [("cycle_id", "=", self.id)],
        )

    @api.model
    def _cron_refresh_active_plans(self):
        """Nightly: recompute the active plans' policies and rules.

        The approved plan itself stays frozen; the policies roll forward with
        it in place: past months drop out of the lead-time window. A failing
        plan is logged and the next one goes on.
        """
        for cycle in self.sudo().search([("state", "=", "approved")]):
            try:
                with self.env.cr.savepoint():
                    self.env["sop.inventory.policy"]._refresh_plan(cycle)
            except Exception as exc:  # noqa: BLE001 - logged, next plan goes on
                _logger.warning("S&OP: refresh of plan %s failed: %s", cycle.name, exc)
            self.env["ir.cron"]._commit_progress(1)

    @api.model
    def _cron_open_next_cycle(self):
        """Monthly: open next month's cycles of each company, one per scope
        (a warehouse or product family planned in its own cycle gets its
        own): as the active plans, else as the newest cycle of the scope in
        the company's last month; a scope next month already plans is left
        as it is."""
        next_month = first_of_this_month(self) + relativedelta(months=1)
        opened = self.browse()
        Cycle = self.sudo()
        for company, last_month in Cycle._read_group(
            [("date_month", "<", next_month)], ["company_id"], ["date_month:max"]
        ):
            mine = [("company_id", "=", company.id)]
            candidates = Cycle.search(
                mine + [("state", "=", "approved"), ("date_month", "<", next_month)],
                order="date_month desc, id desc",
            ) + Cycle.search(mine + [("date_month", "=", last_month)], order="id desc")
            planned = list(Cycle.search(mine + [("date_month", "=", next_month)]))
            templates = []
            for cycle in candidates:
                if not any(
                    cycle._scope_overlap(other) for other in templates + planned
                ):
                    templates.append(cycle)
            opened |= Cycle.create(
                [cycle._next_cycle_values(next_month) for cycle in templates]
            )
            if templates:
                _logger.info(
                    "S&OP: opened %s cycle(s) for %s in %s",
                    len(templates),
                    next_month,
                    company.name,
                )
        return opened

    def _next_cycle_values(self, month):
        self.ensure_one()
        values = {
            "company_id": self.company_id.id,
            "date_month": month,
            "warehouse_ids": [Command.set(self.warehouse_ids.ids)],
            "product_category_ids": [Command.set(self.product_category_ids.ids)],
            "scenario_ids": self._scenario_commands(),
        }
        for name in (
            "horizon_months",
            "history_months",
            "service_level",
            "product_domain",
            "demand_user_id",
            "supply_user_id",
            "reconciliation_user_id",
            "executive_user_id",
        ):
            value = self[name]
            values[name] = value.id if isinstance(value, models.BaseModel) else value
        return values

    def _apply_policies_to_rules(self, policies):
        """Write ``policies`` to Odoo's reordering rules; sum up in the chatter."""
        self.ensure_one()
        policies._write_orderpoints()
        # a chunk of an approval leaves the sum to its finalize (once per run)
        if not self.env.context.get("sop_policy_summary_later"):
            self._post_policy_summary(Counter(policies.mapped("state")))
        return True

    def _post_policy_summary(self, states):
        """Chatter: rules set, kept manual, skipped (``states``: state -> count)
        and which were skipped, by reason."""
        self.ensure_one()
        skipped = (
            self.env["sop.inventory.policy"]
            .sudo()
            .search([("cycle_id", "=", self.id), ("state", "=", "skipped")])
        )
        self.message_post(
            body=self.env._(
                "Inventory policies: %(applied)s reordering rules set, "
                "%(manual)s kept manual, %(skipped)s skipped.",
                applied=states.get("applied", 0),
                manual=states.get("manual", 0),
                skipped=states.get("skipped", 0),
            )
            + self._skipped_note(skipped)
        )

    def _skipped_note(self, records, reason_of=None):
        """The sentence ``Skipped: <reason> (<count>): <product (warehouse)>,
        ...; ...`` (with a leading space) of ``records`` (forecasts or
        policies), the most common reasons first; empty without records.
        ``reason_of(record)``: its reason (default: its skip reason in the
        reader's words)."""
        if not records:
            return ""
        by_reason = defaultdict(list)
        for record in records:
            reason = reason_of(record) if reason_of else record.skip_reason_display
            by_reason[(reason or "-").rstrip(".")].append(record)
        parts = []
        for reason, items in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
            names = ", ".join(
                f"{r.product_id.display_name} ({r.warehouse_id.code})"
                for r in items[:SKIPPED_NAMED]
            )
            if len(items) > SKIPPED_NAMED:
                names += " " + self.env._("and %s more", len(items) - SKIPPED_NAMED)
            parts.append(f"{reason} ({len(items)}): {names}")
        return " " + self.env._("Skipped: %s.", "; ".join(parts))

    def _compute_policies(self, scenario=None):
        """Set the company's policies from this cycle's plan, in place.

        With a ``scenario`` (sop.scenario), its deltas apply: lead time, MOQ,
        service level and demand.
        """
        self.ensure_one()
        policy_model = self.env["sop.inventory.policy"].sudo()
        vals_list = self._compute_policy_values(scenario=scenario)
        if vals_list is None:
            return policy_model
        return policy_model.browse(self._insert_policies(vals_list))

    def _compute_policy_values(self, scenario=None):
        """Values of the policies of this cycle's plan (one per forecast);
        None when the plan has no forecast. Stored by ``_insert_policies``."""
        self.ensure_one()
        forecasts = self.env["sop.forecast"].search([("cycle_id", "=", self.id)])
        if not forecasts:
            return None
        frame = self._policy_frame(forecasts)  # read once for both
        items, skipped = self._policy_items(forecasts, scenario, frame=frame)
        result, failed = self._plan_policies(items, scenario)
        skipped.update(failed)
        return self._policy_values(forecasts, items, result, skipped, frame=frame)

    def _plan_policies(self, items, scenario=None, history=None, demand=None):
        """Engine policies of ``items``, rounded, with their backtest.

        The CLI's path (``engine.planned_policy``): the plan floored at the
        recent demand rate, the lead-time demand law resampled from each
        item's own monthly history (read once, in bulk) and the replay of
        the last 12 months planned from the months before them. A
        ``scenario`` scales demand and history by its demand %. Adds
        ``backtest_state``: ``ok``, ``no_history`` (fewer than 12 known
        months before the replayed year) or ``no_demand``. ``history``:
        ``_policy_history`` and ``demand`` ``_policy_demand`` when the caller
        has read them already. Returns
        (result, {forecast id: reason}) of the items the engine failed on
        (``_isolated_policies``): they are skipped, the others planned.
        """
        if items.empty:
            return pd.DataFrame(columns=["item_id"]), {}
        if demand is None:
            demand = self._policy_demand(items, scenario)
        if history is None:
            history = self._policy_history(items, scenario)
        items = items.assign(
            plan_adjusted=items["item_id"].isin(self._plan_adjusted_items(items))
        )
        item_ids = items["item_id"].to_numpy()
        matrix = history_matrix(history, item_ids)
        replay = matrix.shape[1] > BACKTEST_MONTHS
        policy, failed = _isolated_policies(
            items, demand, history, [ISOLATION_CALLS], backtest=replay
        )
        if failed:
            _logger.warning(
                "S&OP cycle %s: %s policies skipped, the engine failed on them: %s",
                self.name,
                len(failed),
                next(iter(failed.values())),
            )
        if policy.empty:
            return policy, failed
        # the plan raised to the recent rate (the engine's floor: gross
        # outliers capped), where the law was sized on it
        rate = policy.set_index("item_id")["recent_rate"]
        below = demand["forecast"] < demand["item_id"].map(rate).fillna(0.0)
        sized = policy.loc[~policy["own_level"].astype(bool), "item_id"]
        raised_ids = demand.loc[below, "item_id"]
        raised_ids = raised_ids[
            raised_ids.isin(sized)
            & ~raised_ids.isin(items.loc[items["plan_adjusted"], "item_id"])
        ]
        raised = rate[rate.index.isin(raised_ids)]
        # the explanation says so (``_head_parts``)
        result = round_policy(policy, items)
        result["raised_rate"] = result["item_id"].map(raised)
        known = np.zeros(len(item_ids))
        if replay:
            known = np.isfinite(matrix[:, :-BACKTEST_MONTHS]).sum(axis=1)
        state = pd.Series(
            np.where(known >= BACKTEST_MIN_MONTHS, "ok", "no_history"), index=item_ids
        ).reindex(result["item_id"].to_numpy())
        if replay:
            demanded = result["backtest_demand"].fillna(0.0).to_numpy() > 0
            state = state.where(demanded | (state != "ok"), "no_demand")
        result["backtest_state"] = state.to_numpy()
        return result, failed

    def _plan_adjusted_items(self, items):
        """Forecast ids of ``items`` whose plan a planner adjusted in the
        months their lead-time demand is read from (lead time + review from
        the plan's first month), or that of a warehouse they resupply.

        The policy engine then sizes a slow item's law on that plan, not on
        its own history's level (``plan_adjusted``); an adjustment later in
        the year does not change the demand over the lead time, nor the law.
        """
        fed = self._fed_forecasts(items)
        start = max(first_of_this_month(self), self.date_month)
        groups = self.env["sop.plan.line"]._read_group(
            [
                ("forecast_id", "in", items["item_id"].tolist() + fed.index.tolist()),
                ("date_month", ">=", start),
                ("adjustment_qty", "!=", 0),  # the effective one, in either mode
            ],
            ["forecast_id", "date_month:month"],
        )
        if not groups:
            return set()
        adjusted = pd.DataFrame(
            [
                (
                    forecast.id,
                    (month.year - start.year) * 12 + month.month - start.month,
                )
                for forecast, month in groups
            ],
            columns=["item_id", "offset"],
        )
        # a depot's adjustment is its own and its source's demand
        pulled = adjusted[adjusted["item_id"].isin(fed.index)]
        adjusted = pd.concat(
            [adjusted, pulled.assign(item_id=pulled["item_id"].map(fed["item_id"]))],
            ignore_index=True,
        )
        window = items.set_index("item_id")[["lead_time_days", "review_days"]].sum(
            axis=1
        )
        months = np.ceil(window / PERIOD_DAYS["MS"]).clip(lower=1)
        inside = adjusted["offset"] < adjusted["item_id"].map(months).fillna(0)
        return set(adjusted.loc[inside, "item_id"].tolist())

    def _policy_history(self, items, scenario=None):
        """Monthly demand history of ``items`` (forecast ids), read in bulk.

        Long ``item_id, period, qty`` over the cycle's history window, at
        least ``POLICY_HISTORY_MONTHS``; out-of-stock months are unknown
        (NaN). A calendar row of zeros (item 0, no forecast) marks every
        month, so months nobody sold in still count. A ``scenario`` scales
        the quantities by its demand %. A warehouse that resupplies others
        has their sales added to its own (a month unknown in one of them is
        unknown), as its plan has their consensus.
        """
        date_from, date_to = self._history_window()
        date_from = min(
            date_from, date_to - relativedelta(months=POLICY_HISTORY_MONTHS)
        )
        forecasts = self.env["sop.forecast"].browse(items["item_id"].tolist())
        source_of = self._fed_forecasts(items)["item_id"].to_dict()
        fed = self.env["sop.forecast"].browse(list(source_of))
        pairs = pd.DataFrame(
            {
                "item_id": forecasts.ids + [source_of[f.id] for f in fed],
                "product_id": [f.product_id.id for f in forecasts + fed],
                "warehouse_id": [f.warehouse_id.id for f in forecasts + fed],
            }
        )
        extracted = self.env["sop.demand.history"]._extract(
            self.company_id,
            forecasts.warehouse_id | fed.warehouse_id,
            forecasts.product_id,
            date_from,
            date_to,
        )
        history = extracted.merge(pairs, on=["product_id", "warehouse_id"])
        history = history[["item_id", "period", "qty"]]
        if fed:  # a source's months: its own sales plus those it resupplies
            history = (
                history.assign(unknown=history["qty"].isna())
                .groupby(["item_id", "period"], as_index=False)
                .agg(qty=("qty", "sum"), unknown=("unknown", "any"))
            )
            history["qty"] = history["qty"].mask(history.pop("unknown"))
        if scenario and not history.empty:
            factor = history["item_id"].map(scenario._demand_factor(items))
            history = history.assign(qty=history["qty"] * factor.fillna(1.0))
        months = pd.date_range(date_from, date_to, freq="MS", inclusive="left")
        calendar = pd.DataFrame({"item_id": 0, "period": months, "qty": 0.0})
        return pd.concat([history, calendar], ignore_index=True)

    def _insert_policies(self, vals_list, product_ids=None):
        """Update the company's policies in place, create the missing ones and
        archive those that left the plan (``sop.inventory.policy.
        _sync_policies``); return their ids. With ``product_ids`` (a chunk
        of the approval), only the policies of those products.
        """
        ids = self.env["sop.inventory.policy"]._sync_policies(
            self, vals_list, product_ids=product_ids
        )
        self.invalidate_recordset(["policy_ids", "policy_count"])
        return ids

    def _policy_items(self, forecasts, scenario=None, frame=None):
        """Engine items (one per forecast) and skip reasons of the others.

        With a ``scenario``, items take its lead time, MOQ and service level.
        Each item is planned from its source as Odoo's route says (supply
        review): a bought item from its vendor (lead time plus measured
        delay, MOQ, pack, order cost); a resupplied one from its source
        warehouse (the transfer's lead time plus its measured delay, a lot of
        the company's transfer days of demand, no order cost). The forecasts
        are read in one query (``frame``: their ``_policy_frame`` when the
        caller read it), the items built column by column.
        """
        if frame is None:
            frame = self._policy_frame(forecasts)
        skipped = self._policy_skips(frame)
        frame = frame[~frame.index.isin(list(skipped))]
        by_reason = {}  # one line per reason: the supply review runs this too
        for forecast_id, reason in skipped.items():
            by_reason.setdefault(reason, []).append(forecast_id)
        for reason, ids in by_reason.items():
            _logger.info(
                "S&OP cycle %s: %s forecast(s) skipped (e.g. %s): %s",
                self.name,
                len(ids),
                ids[:5],
                reason,
            )
        if frame.empty:
            return pd.DataFrame(columns=["item_id"]), skipped
        company = self.company_id
        resupplied = frame["supply_route"].eq("resupply").to_numpy()
        lots = self._transfer_lots(
            self.env["sop.forecast"].browse(frame.index[resupplied].tolist())
        )
        vendors = self.env["res.partner"].browse(
            frame["vendor_id"].dropna().unique().tolist()
        )
        review_days = dict(
            zip(vendors.ids, vendors.mapped("sop_review_days"), strict=True)
        )
        # costs are per company: the cycle's, whoever approves or scores it
        products = (
            self.env["product.product"]
            .sudo()
            .with_company(company)
            .browse(frame["product_id"].unique().tolist())
        )
        cost = dict(zip(products.ids, products.mapped("standard_price"), strict=True))
        steps, multiples, pack_ids = self._policy_units(frame)
        has_class = frame["abc"].notna() & frame["xyz"].notna()
        items = pd.DataFrame(
            {
                "item_id": frame.index.to_numpy(),
                # a transfer takes at least a day
                "lead_time_days": frame["lead_time_days"].clip(lower=1)
                + frame["delay_mean"].clip(lower=0.0),
                "lead_time_std_days": frame["delay_std"],
                "unit_cost": frame["product_id"].map(cost).astype(float).clip(0.0),
                "moq": np.where(
                    resupplied,
                    frame.index.map(lots).fillna(0.0).to_numpy(float),
                    frame["moq"],
                ),
                # the vendor's order cycle (res.partner terms)
                "review_days": frame["vendor_id"].map(review_days).fillna(0),
                "order_cost": np.where(resupplied, 0.0, company.sop_order_cost),
                "holding_rate": company.sop_holding_rate / 100.0,
                "abc": frame["abc"],
                "xyz": frame["xyz"],
                "pattern": frame["pattern"],
                "service_level": np.where(
                    has_class, np.nan, self.service_level / 100.0
                ),
                # whole pieces, vendor packs (engine.policy_rounding)
                "rounding": steps,
                "multiple": multiples,
                "purchase_uom_id": pack_ids,
                # the law's random draws follow the product at the warehouse,
                # not this plan's forecast ids: the same draws every plan,
                # and in a copy of the database
                "stream_key": self._stream_keys(frame),
            }
        ).reset_index(drop=True)
        items = items.astype({"review_days": int, "lead_time_days": float})
        if scenario:
            items = scenario._apply_to_items(items)
        return items, skipped

    def _policy_frame(self, forecasts):
        """``_forecast_frame`` of ``forecasts`` as their policies plan them:
        with the vendor terms of today in the nightly refresh (context
        ``sop_vendor_terms_now``)."""
        frame = self._forecast_frame(forecasts)
        if self.env.context.get("sop_vendor_terms_now"):
            frame = self._with_vendor_terms_now(frame)
        return frame

    def _with_vendor_terms_now(self, frame):
        """``frame`` (``_forecast_frame``) with the vendor, lead time, MOQ and
        source label of its bought items as the vendor pricelist has them
        now: the nightly refresh follows a vendor's new terms, while the
        approved plan keeps those of its supply review. Items Odoo no longer
        buys keep their reviewed source until the next plan; one without a
        vendor at the review that has one now is bought from it."""
        bought = frame[frame["supply_route"].isin(["buy", "none"])]
        if bought.empty:
            return frame
        sources = self.env["sop.supply.data"]._supply_sources(
            self.company_id,
            self.env["stock.warehouse"].browse(
                bought["warehouse_id"].unique().tolist()
            ),
            self.env["product.product"].browse(bought["product_id"].unique().tolist()),
        )
        now = (
            bought[["product_id", "warehouse_id"]]
            .reset_index()
            .merge(
                sources[sources["route"].eq("buy")], on=["product_id", "warehouse_id"]
            )
            .set_index("id")
        )
        if now.empty:
            return frame
        frame = frame.copy()
        frame.loc[now.index, "supply_route"] = "buy"
        vendors = self.env["res.partner"].browse(
            now["vendor_id"].dropna().astype(int).unique().tolist()
        )
        label = self.env["sop.forecast"]._supply_source_label
        frame.loc[now.index, "vendor_id"] = now["vendor_id"].astype("Int64")
        # whole days, as the supply review stores them
        frame.loc[now.index, "lead_time_days"] = np.floor(now["lead_time"].fillna(0.0))
        frame.loc[now.index, "moq"] = now["moq"].astype(float).fillna(0.0)
        frame.loc[now.index, "supply_source"] = [
            label(
                "buy",
                self.env["stock.warehouse"],
                vendors.browse(None if pd.isna(vendor) else int(vendor)),
                None if pd.isna(lead) else int(lead),
            )
            for vendor, lead in zip(now["vendor_id"], now["lead_time"], strict=True)
        ]
        return frame

    @api.model
    def _stream_keys(self, frame):
        """``frame``'s stream keys; products sharing an internal reference
        (Odoo allows it) take their id too, so that they draw apart."""
        keys = frame["stream_key"]
        shared = keys.duplicated(keep=False)
        return keys.where(~shared, keys + " #" + frame["product_id"].astype(str))

    def _forecast_frame(self, forecasts):
        """The columns of ``forecasts`` that plan a policy, read in one query.

        DataFrame indexed by forecast id in the order of ``forecasts``; empty
        numbers are 0, empty texts None, empty links <NA>; ``uom_id`` is the
        product's unit, ``product_active`` whether it is still in use,
        ``stream_key`` the product's internal reference (else its id) and
        the warehouse's short name.
        """
        names = [
            "state",
            "skip_reason",
            "skip_words",
            "supply_route",
            "supply_source",
            "source_warehouse_id",
            "supply_note",
            "vendor_id",
            "lead_time_days",
            "delay_mean",
            "delay_std",
            "moq",
            "abc",
            "xyz",
            "pattern",
            "product_id",
            "warehouse_id",
        ]
        forecasts.flush_recordset(names)
        rows = self.env.execute_query(
            SQL(
                """SELECT f.id, %s, t.uom_id, p.active AND t.active,
                          COALESCE(NULLIF(btrim(p.default_code), ''),
                                   'product ' || p.id)
                          || '@' || w.code
                     FROM sop_forecast f
                     JOIN product_product p ON p.id = f.product_id
                     JOIN product_template t ON t.id = p.product_tmpl_id
                     JOIN stock_warehouse w ON w.id = f.warehouse_id
                    WHERE f.id = ANY(%s)""",
                SQL(", ").join(SQL("f.%s", SQL.identifier(name)) for name in names),
                forecasts.ids,
            )
        )
        columns = ["id", *names, "uom_id", "product_active", "stream_key"]
        frame = pd.DataFrame(rows, columns=columns).set_index("id")
        frame = frame.reindex(pd.Index(forecasts.ids, name="id"))
        numbers = ["lead_time_days", "delay_mean", "delay_std", "moq"]
        frame[numbers] = frame[numbers].astype(float).fillna(0.0)
        links = ["vendor_id", "source_warehouse_id", "uom_id"]
        frame[links] = frame[links].astype("Int64")
        # texts as the ORM gives them: pandas reads a NULL among strings as
        # NaN, which is true where a reason falls back to a default
        texts = ["skip_reason", "skip_words", "supply_source", "supply_note"]
        frame[texts] = frame[texts].astype(object).where(frame[texts].notna(), None)
        return frame

    def _policy_skips(self, frame):
        """{forecast id: reason} of the forecasts no policy can be planned
        for (``_forecast_frame`` rows): an archived product, no statistical
        forecast, no route, no vendor lead time or an implausible one."""
        route = frame["supply_route"]
        vendor = frame["vendor_id"].notna()
        days = frame["lead_time_days"]
        moved = route.isin(["resupply", "manufacture"])
        # worded as codes too, to be read in each reader's language; the
        # forecast's own skip reason through its words (as it is without)
        worded = self.env["sop.inventory.policy"]._skip_reason
        reasons = [
            (~frame["product_active"].astype(bool), lambda row: worded("archived")),
            (
                frame["state"] != "ok",
                lambda row: (
                    worded("forecast", words=row.skip_words)
                    if row.skip_words
                    else row.skip_reason or worded("no_forecast")
                ),
            ),
            (
                route.eq("none") & vendor,
                lambda row: worded("no_route", vendor_id=int(row.vendor_id)),
            ),
            (
                moved & (days > MAX_LEAD_TIME_DAYS),
                lambda row: worded("route_lead_time", days=int(row.lead_time_days)),
            ),
            (
                ~moved & (~vendor | (days <= 0)),
                lambda row: worded("no_vendor_lead_time"),
            ),
            (
                vendor & (days > MAX_LEAD_TIME_DAYS),
                lambda row: worded(
                    "vendor_lead_time",
                    vendor_id=int(row.vendor_id),
                    days=int(row.lead_time_days),
                ),
            ),
        ]
        skipped = {}
        left = pd.Series(True, index=frame.index)
        for condition, reason_of in reasons:
            hit = left & condition
            for row in frame[hit].itertuples():
                skipped[int(row.Index)] = reason_of(row)
            left &= ~hit
        return skipped

    def _policy_units(self, frame):
        """Rounding step, order multiple and purchase unit id (0: none) of
        each ``_forecast_frame`` row: whole pieces, vendor packs."""
        step_of = self.env["uom.uom"]._sop_quantity_steps(frame["uom_id"].unique())
        steps = frame["uom_id"].map(step_of).to_numpy(float)
        bought = frame[frame["vendor_id"].notna()]
        packs = self.env["product.product"]._sop_purchase_packagings(
            zip(
                bought["product_id"].tolist(), bought["vendor_id"].tolist(), strict=True
            ),
            self.company_id,
        )
        pack_ids = np.zeros(len(frame), dtype=int)
        multiples = steps.copy()
        Uom = self.env["uom.uom"]
        packs_of = {}  # (purchase unit, product unit) -> packs
        positions = np.flatnonzero(frame["vendor_id"].notna().to_numpy())
        for row in positions if packs else ():
            key = (frame["product_id"].iat[row], frame["vendor_id"].iat[row])
            pack = packs.get(key)
            if pack:
                unit = int(frame["uom_id"].iat[row])
                if (pack.id, unit) not in packs_of:
                    packs_of[pack.id, unit] = pack._sop_packs(Uom.browse(unit))
                pack_ids[row] = pack.id
                multiples[row] = packs_of[pack.id, unit]
        return steps, multiples, pack_ids

    def _transfer_lots(self, forecasts):
        """{forecast id: lot} of resupplied items: the company's transfer days
        of their mean daily consensus over the next three months (from the
        plan's first month for a cycle prepared ahead), so a transfer is
        sized as often as the company moves goods (default weekly), not as a
        purchase's EOQ. Rounded by the engine's rounding.
        """
        if not forecasts:
            return {}
        this_month = max(first_of_this_month(self), self.date_month)
        groups = self.env["sop.plan.line"]._read_group(
            [
                ("forecast_id", "in", forecasts.ids),
                ("date_month", ">=", this_month),
                ("date_month", "<", this_month + relativedelta(months=3)),
            ],
            ["forecast_id"],
            ["consensus_qty:sum", "__count"],
        )
        days = self.company_id.sop_transfer_days or 7
        return {
            forecast.id: round(max(total, 0.0) / count / 30.4375 * days, 6)
            for forecast, total, count in groups
            if count
        }

    def _policy_demand(self, items, scenario=None):
        """Consensus demand per forecast and month from this month on, or
        from the plan's first month for a cycle prepared ahead.

        Every item's demand starts in the same month: a month before the
        plan (today's) holds only what a source warehouse's transfers pull
        early, and the engine would read it as no demand for every other
        item, sizing their lead-time demand on nothing. ``sigma`` is the
        forecast's one-month error scale; ``sigma_cum`` the error scale of
        the demand summed from that first month to each month: the plan
        line's cumulative error re-based on it (months already over leave
        the sum), never below the independent sum of ``sigma``.
        A ``scenario`` scales the demand and its errors by its demand %.
        A warehouse that resupplies others plans their consensus on top of
        its own (``_with_pulled_demand``).
        """
        columns = ["item_id", "period", "forecast", "sigma", "sigma_cum"]
        if items.empty:
            return pd.DataFrame(columns=columns)
        this_month = max(first_of_this_month(self), self.date_month)
        fed = self._fed_forecasts(items)
        forecast_ids = items["item_id"].tolist() + fed.index.tolist()
        self.env["sop.plan.line"].flush_model(
            ["forecast_id", "date_month", "consensus_qty", "sigma_cum"]
        )
        self.env["sop.forecast"].flush_model(["sigma"])
        lines = pd.DataFrame(
            self.env.execute_query(
                SQL(
                    """SELECT forecast_id, date_trunc('month', date_month)::date,
                              sum(consensus_qty), nullif(max(sigma_cum), 0)
                         FROM sop_plan_line
                        WHERE forecast_id = ANY(%s)
                     GROUP BY 1, 2""",
                    forecast_ids,
                )
            ),
            columns=["item_id", "period", "forecast", "sigma_cum"],
        ).astype({"forecast": float, "sigma_cum": float})
        sigma = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, coalesce(sigma, 0) FROM sop_forecast "
                    "WHERE id = ANY(%s)",
                    forecast_ids,
                )
            )
        )
        lines, sigma = self._with_pulled_demand(lines, sigma, fed)
        lines = lines[lines["item_id"].isin(items["item_id"])]
        past = lines[lines["period"] < this_month]
        dropped = past.groupby("item_id")["sigma_cum"].max()
        demand = lines[lines["period"] >= this_month].sort_values(["item_id", "period"])
        demand["sigma"] = demand["item_id"].map(sigma).fillna(0.0)
        months = demand.groupby("item_id").cumcount() + 1
        independent = demand["sigma"] * np.sqrt(months)
        rebased = np.sqrt(
            (
                demand["sigma_cum"] ** 2
                - demand["item_id"].map(dropped).fillna(0.0) ** 2
            ).clip(lower=0.0)
        )
        demand["sigma_cum"] = np.fmax(rebased, independent)
        demand["forecast"] = demand["forecast"].clip(lower=0.0)
        demand["period"] = pd.to_datetime(demand["period"])
        demand = demand[columns].reset_index(drop=True)
        if scenario and not demand.empty:
            demand = scenario._scale_demand(demand, items)
        return demand

    def _fed_forecasts(self, items):
        """The resupplied forecasts whose source is one of ``items``: this
        cycle's, and those of the company's other approved plans that do
        not overlap it (a depot planned in a cycle of its own still pulls
        from this cycle's warehouses).

        DataFrame indexed by the fed forecast id: ``item_id`` (the source
        warehouse's forecast of the same product) and ``lead_time`` (days).
        """
        columns = ["item_id", "lead_time"]
        if items.empty:
            return pd.DataFrame(columns=columns)
        sources = self.env["sop.forecast"].browse(items["item_id"].tolist())
        # this cycle first, then the other plans approved last first: a
        # depot's product planned in two of them (moved since one's
        # forecast) is pulled once, as the plan approved last has it
        others = self._other_approved_plans().filtered(
            lambda other: not self._scope_overlap(other)
        )
        rank = {cycle.id: order for order, cycle in enumerate(self | others)}
        fed = (
            self.env["sop.forecast"]
            .search_fetch(
                [
                    ("cycle_id", "in", list(rank)),
                    ("supply_route", "=", "resupply"),
                    ("product_id", "in", sources.product_id.ids),
                    ("source_warehouse_id", "in", sources.warehouse_id.ids),
                ],
                ["cycle_id", "product_id", "warehouse_id", "source_warehouse_id"]
                + ["lead_time_days"],
            )
            .sorted(lambda forecast: rank[forecast.cycle_id.id])
        )
        by_key = {(f.product_id.id, f.warehouse_id.id): f.id for f in sources}
        rows, seen = {}, set()
        for forecast in fed:
            depot = (forecast.product_id.id, forecast.warehouse_id.id)
            source = (forecast.product_id.id, forecast.source_warehouse_id.id)
            if source in by_key and depot not in seen:
                seen.add(depot)
                rows[forecast.id] = (by_key[source], forecast.lead_time_days)
        return pd.DataFrame.from_dict(rows, orient="index", columns=columns)

    @api.model
    def _with_pulled_demand(self, lines, sigma, fed):
        """Add the demand of ``fed`` forecasts to their source's lines.

        Their consensus is pulled a transfer's lead time earlier
        (``pulled_demand``); errors add as independent ones: variances
        (one month's and cumulative) are summed. Returns the lines of the
        sources and the others, and the sigma per item.
        """
        if fed.empty:
            return lines, sigma
        is_fed = lines["item_id"].isin(fed.index)
        pulled = lines[is_fed].copy()
        pulled["lead_time"] = pulled["item_id"].map(fed["lead_time"])
        pulled["var_cum"] = pulled["sigma_cum"] ** 2
        pulled["period"] = pd.to_datetime(pulled["period"])
        pulled = pulled_demand(pulled, ["forecast", "var_cum"])
        variance = {item: value**2 for item, value in sigma.items()}
        for fed_id, source in fed["item_id"].items():
            variance[source] = variance.get(source, 0.0) + sigma.get(fed_id, 0.0) ** 2
        pulled["item_id"] = pulled["item_id"].map(fed["item_id"])
        own = lines.assign(
            period=pd.to_datetime(lines["period"]), var_cum=lines["sigma_cum"] ** 2
        )
        combined = (
            pd.concat([own, pulled[own.columns]], ignore_index=True)
            .groupby(["item_id", "period"], as_index=False)
            .agg(forecast=("forecast", "sum"), var_cum=("var_cum", "sum"))
        )
        combined["sigma_cum"] = np.sqrt(combined.pop("var_cum")).replace(0.0, np.nan)
        combined["period"] = combined["period"].dt.date
        return combined, {item: np.sqrt(v) for item, v in variance.items()}

    def _policy_values(self, forecasts, items, result, skipped, frame=None):
        """Values of the policies of ``forecasts``: the engine's ``result``
        rows, or ``skipped`` with their reason (``frame``: their
        ``_policy_frame`` when the caller read it)."""
        if frame is None:
            frame = self._policy_frame(forecasts)
        by_item, lead = {}, {}
        if len(result):  # only the columns read below: to_dict is the cost
            stored = [name for name in RESULT_COLUMNS if name in result.columns]
            by_item = result.set_index("item_id")[stored].to_dict("index")
            lead = items.set_index("item_id")[ITEM_COLUMNS].to_dict("index")
        fed = self._fed_forecasts(items)
        fed_frame = self._forecast_frame(
            self.env["sop.forecast"].browse(fed.index.tolist())
        )
        warehouses = self.env["stock.warehouse"].browse(
            fed_frame["warehouse_id"].unique().tolist()
        )
        names = {w.id: w.code or w.name for w in warehouses}
        pulled_by = defaultdict(list)
        for fed_id, warehouse_id in fed_frame["warehouse_id"].items():
            pulled_by[fed["item_id"][fed_id]].append(names[warehouse_id])
        no_result = self.env._("The policy engine returned nothing.")
        # plain Python values (ids, None for empty), as the ORM would read them
        plain = frame.astype(object).where(frame.notna(), None).reset_index()
        vals_list = []
        for forecast in plain.itertuples(index=False):
            vals = {
                "cycle_id": self.id,
                "company_id": self.company_id.id,
                "forecast_id": forecast.id,
                "product_id": forecast.product_id,
                "warehouse_id": forecast.warehouse_id,
                "abc": forecast.abc,
                "xyz": forecast.xyz,
                "pattern": forecast.pattern,
                "supply_route": forecast.supply_route,
                "source_warehouse_id": forecast.source_warehouse_id,
                "supply_source": forecast.supply_source,
                "supply_source_values": forecast.supply_source
                and {
                    "route": forecast.supply_route,
                    "vendor_id": _id_or_none(forecast.vendor_id),
                    "warehouse_id": _id_or_none(forecast.source_warehouse_id),
                    "days": int(forecast.lead_time_days or 0),
                },
            }
            row = by_item.get(forecast.id)
            if row is None:
                reason = skipped.get(forecast.id) or no_result
                vals.update(
                    state="skipped",
                    skip_reason=str(reason),
                    skip_words=getattr(reason, "words", None),
                )
            else:
                item = lead[forecast.id]
                vals.update(
                    {field: row[column] for field, column in POLICY_COLUMNS.items()},
                    **self._explanation_values(forecast, row, pulled_by),
                    **self._policy_backtest_values(row),
                    service_level=stored_percent(row["target"]),
                    service_type=row["service_type"],
                    lead_time_days=item["lead_time_days"],
                    lead_time_std_days=item["lead_time_std_days"],
                    purchase_uom_id=item["purchase_uom_id"] or None,
                )
            vals_list.append(vals)
        return vals_list

    def _explanation_values(self, forecast, row, pulled_by):
        """A policy's ``explanation``: the add-on's first sentences (where its
        supply comes from, which warehouses pull from it, a plan sized on the
        recent demand) in this user's language, then the engine's trace; and
        its ``explanation_head``, those sentences as (code, values) to word
        them in each reader's language."""
        parts = []
        pulled = pulled_by.get(forecast.id)
        if pulled:
            parts.append(["pulled", {"warehouses": ", ".join(sorted(pulled))}])
        if forecast.supply_route == "resupply":
            days = self.company_id.sop_transfer_days or 7
            parts.append(["resupplied", {"days": days}])
        elif forecast.supply_source:
            parts.insert(0, ["source", {}])
        rate = row.get("raised_rate")
        if rate is not None and pd.notna(rate):
            parts.append(["raised", {"rate": float(rate)}])
        head = self.env["sop.inventory.policy"]._head_text(
            parts, forecast.supply_source
        )
        return {
            "explanation": head + row["explanation"],
            "explanation_head": {"parts": parts, "length": len(head)},
        }

    @api.model
    def _policy_backtest_values(self, row):
        """The promise and the replay of one engine row, in % and money."""
        state = row.get("backtest_state") or "no_history"
        replayed = state == "ok"

        def number(column):
            value = row.get(column)
            return float(value) if replayed and pd.notna(value) else 0.0

        return {
            "expected_fill_rate": stored_percent(row["expected_fill_rate"]),
            "backtest_state": state,
            "backtest_fill_rate": stored_percent(number("backtest_fill_rate")),
            "backtest_avg_stock": number("backtest_avg_stock"),
            "backtest_avg_stock_value": number("backtest_avg_stock_value"),
        }


# what the engine raises on data it cannot plan (``isolate_failing_items``)
ENGINE_ERRORS = (EngineInputError, ValueError, ArithmeticError, IndexError)


def isolate_failing_items(items, run, budget):
    """``run(items)``; (results, {item id: reason}).

    Should ``run`` fail on bad data, the items are halved until the ones it
    fails on are found (``budget``: a one-element list of the engine calls
    left; once spent, a failing part is skipped whole), so one product never
    stops the others. ``results``: what ``run`` returned for each part of
    the items it planned (one part when none failed).
    """
    budget[0] -= 1
    try:
        return [run(items)], {}
    except ENGINE_ERRORS as exc:
        if len(items) == 1 or budget[0] <= 0:
            return [], dict.fromkeys(items["item_id"], str(exc))
    results, failed = [], {}
    half = len(items) // 2
    for part in (items.iloc[:half], items.iloc[half:]):
        part_results, part_failed = isolate_failing_items(
            part.reset_index(drop=True), run, budget
        )
        results += part_results
        failed.update(part_failed)
    return results, failed


def _isolated_policies(items, demand, history, budget, *, backtest):
    """``planned_policy`` of ``items``; (policies, {item id: reason}) of
    the items it failed on (``isolate_failing_items``)."""

    def plan(part):
        ids = part["item_id"]
        return planned_policy(
            part,
            demand[demand["item_id"].isin(ids)],
            history[history["item_id"].isin(ids) | (history["item_id"] == 0)],
            freq="M",
            backtest=backtest,
            replay_periods=BACKTEST_MONTHS,
        )

    results, failed = isolate_failing_items(items, plan, budget)
    results = [policy for policy in results if not policy.empty]
    if not results:
        return pd.DataFrame(columns=["item_id"]), failed
    return pd.concat(results, ignore_index=True), failed


def _id_or_none(value):
    """A record id read from a frame as a plain int (JSON), or None."""
    return None if value is None else int(value)
