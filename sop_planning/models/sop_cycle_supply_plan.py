"""Supply plan of a cycle: draft policies, planned receipts, money with the plan.

When the supply review runs, each product x warehouse gets its draft policy,
computed from the consensus plan by the approval's own code
(``_policy_items``, ``_policy_history``, ``_plan_policies``,
``_policy_values``, with the scenario chosen for approval if any). Drafts are
stored on the cycle's forecasts, never on reordering rules. The engine's
``plan_supply`` then places planned orders each time the projected position
reaches the draft reorder point, arriving after the draft lead time (vendor
lead time + measured delay): planned receipts, stock with the plan and
purchase spend per plan line. Each chunk of the supply review plans its
products with the drafts stored before the run; the finalize computes the
drafts of the whole plan and plans again only the products whose draft
changed, and those under a capacity.

Each draft keeps a fingerprint of the inputs it was computed from (the
policy items, the consensus demand and the demand history as the engine
receives them: plan lines, settings, vendors, costs, scenario). Approval's
``_compute_policy_values`` (extended here) recomputes the fingerprints: when none
changed, it applies the drafts as they are; otherwise it computes every
policy anew. The chatter says which.
"""

import logging
import math
import time

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import format_date, formatLang

from ..engine import plan_supply
from .sop_bulk import bulk_update, query_frame
from .sop_common import GROUP_USER, filtered_action
from .sop_supply_data import projected_demand

_logger = logging.getLogger(__name__)

KEYS = ["product_id", "warehouse_id"]
SIMULATION_GAP = 0.10  # relative gap of plan and simulation worth a note
DRAFT_COLUMNS = [*KEYS, "reorder_point", "order_qty", "lead_time_days", "multiple"]


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    """Draft policies, planned receipts and money with the plan."""

    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    purchase_spend_total = fields.Monetary(
        string="Purchase Spend",
        compute="_compute_supply_plan_money",
        help="Confirmed and planned receipts of the horizon at unit cost "
        "(cash out in the month they arrive).",
        groups=GROUP_USER,
    )
    purchase_spend_diff = fields.Monetary(
        string="Purchase Spend vs Previous",
        compute="_compute_against_previous",
        help="Over the months both plans cover, of the products and warehouses "
        "both plans plan (this plan's first month also buys for the months "
        "before it, which the previous plan bought in its own).",
        groups=GROUP_USER,
    )
    inventory_value_end_diff = fields.Monetary(
        string="Inventory Value (end) vs Previous",
        compute="_compute_against_previous",
        help="At the end of the last month both plans cover, of the products "
        "and warehouses both plans plan.",
        groups=GROUP_USER,
    )
    supply_plans_compared = fields.Boolean(
        compute="_compute_against_previous",
        help="This plan and the previous approved one both have supply plan "
        "figures to compare (none before this plan's supply review, nor in a "
        "plan approved before the supply plan existed).",
        groups=GROUP_USER,
    )
    supply_plan_html = fields.Html(
        string="Plan by Month",
        compute="_compute_supply_plan_money",
        sanitize=False,
        help="Money with the supply plan, month by month: revenue, cost of "
        "goods, margin, purchase spend and inventory value at month end.",
        groups=GROUP_USER,
    )
    simulation_note = fields.Char(
        compute="_compute_supply_plan_money",
        help="Why the base-plan scenario's simulated figures differ from the "
        "plan's by more than 10 %.",
        groups=GROUP_USER,
    )
    capacity_note = fields.Html(
        string="Over-Capacity Months",
        compute="_compute_capacity_note",
        sanitize=False,
        help="Months where planned and confirmed receipts exceed a monthly "
        "capacity, with the products receiving in them.",
        groups=GROUP_USER,
    )

    def action_open_supply_plan(self):
        """Open this cycle's supply plan: planned receipts, stock, spend."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_plan_line_action_supply",
            [("cycle_id", "=", self.id)],
        )

    @api.depends("plan_line_ids.purchase_spend", "plan_line_ids.revenue", "date_supply")
    def _compute_supply_plan_money(self):
        Line = self.env["sop.plan.line"]
        money = [
            "revenue:sum",
            "cost:sum",
            "margin:sum",
            "purchase_spend:sum",
            "planned_inventory_value:sum",
        ]
        months = Line._read_group(
            [("cycle_id", "in", self.ids)],
            ["cycle_id", "date_month:month"],
            money,
            order="date_month:month",
        )
        per_cycle = {}
        for cycle, month, *values in months:
            per_cycle.setdefault(cycle.id, []).append((month, *values))
        for cycle in self:
            rows = per_cycle.get(cycle.id, [])
            cycle.purchase_spend_total = sum(row[4] for row in rows)
            cycle.supply_plan_html = cycle._supply_plan_table(rows)
            cycle.simulation_note = cycle._simulation_note(rows)

    @api.depends("plan_line_ids.is_over_capacity")
    def _compute_capacity_note(self):
        groups = self.env["sop.plan.line"]._read_group(
            [("cycle_id", "in", self.ids), ("is_over_capacity", "=", True)],
            ["cycle_id", "date_month:month", "product_id"],
            ["capacity_load:max", "planned_receipt_qty:sum", "incoming_qty:sum"],
            order="date_month:month",
        )
        per_cycle = {}
        for cycle, month, product, load, planned, confirmed in groups:
            months = per_cycle.setdefault(cycle.id, {})
            months.setdefault(month, []).append(
                (planned + confirmed, load, product.display_name)
            )
        for cycle in self:
            items = []
            for month, products in per_cycle.get(cycle.id, {}).items():
                products.sort(reverse=True)
                shown = ", ".join(
                    f"{name} ({qty:g})" for qty, _load, name in products[:5]
                )
                if len(products) > 5:
                    shown += " " + self.env._("and %s more", len(products) - 5)
                items.append(
                    Markup("<li>%s</li>")
                    % self.env._(
                        "%(month)s: %(load)s %% of capacity; receiving: %(products)s",
                        month=format_date(self.env, month, date_format="MMM y"),
                        load=formatLang(
                            self.env, max(load for _q, load, _n in products), digits=0
                        ),
                        products=shown,
                    )
                )
            cycle.capacity_note = (
                Markup("<ul>%s</ul>") % Markup("").join(items) if items else False
            )

    def _supply_plan_table(self, rows):
        """HTML table of the money per month with the plan, and its total."""
        if not rows:
            return False
        currency = self.company_id.currency_id

        def money(value):
            if currency:
                value = currency.round(value)
            digits = currency.decimal_places if currency else 2
            return escape(formatLang(self.env, value, digits=digits))

        headers = [
            self.env._("Month"),
            self.env._("Revenue"),
            self.env._("Cost of Goods"),
            self.env._("Margin"),
            self.env._("Purchase Spend"),
            self.env._("Inventory Value (end)"),
        ]
        head = Markup("").join(Markup("<th>%s</th>") % h for h in headers)
        body = Markup("")
        for month, *values in rows:
            cells = Markup("").join(
                Markup('<td class="text-end">%s</td>') % money(v) for v in values
            )
            label = format_date(self.env, month, date_format="MMM y")
            body += Markup("<tr><td>%s</td>%s</tr>") % (label, cells)
        totals = [sum(row[i] for row in rows) for i in range(1, 5)] + [rows[-1][5]]
        foot = Markup("").join(
            Markup('<td class="text-end"><b>%s</b></td>') % money(v) for v in totals
        )
        return Markup(
            '<table class="table table-sm o_sop_supply_plan"><thead><tr>%s</tr>'
            "</thead><tbody>%s</tbody><tfoot><tr><td><b>%s</b></td>%s</tr>"
            "</tfoot></table>"
        ) % (head, body, self.env._("Total"), foot)

    def _simulation_note(self, rows):
        """Say why the base plan's simulation differs by more than 10 %."""
        base = self.scenario_ids.filtered(lambda s: s.is_base and s.state == "scored")[
            :1
        ]
        if not base or not rows:
            return False
        spend = sum(row[4] for row in rows)
        stock = sum(row[5] for row in rows) / len(rows)
        gaps = []
        for label, plan, simulated in (
            (self.env._("purchase spend"), spend, base.purchase_spend),
            (self.env._("average stock value"), stock, base.avg_stock_value),
        ):
            reference = max(abs(plan), abs(simulated))
            if reference and abs(plan - simulated) > SIMULATION_GAP * reference:
                gaps.append(
                    self.env._(
                        "%(what)s %(plan)s in the plan, %(sim)s simulated",
                        what=label,
                        plan=formatLang(self.env, plan, digits=0),
                        sim=formatLang(self.env, simulated, digits=0),
                    )
                )
        if not gaps:
            return False
        return self.env._(
            "The base-plan scenario differs by more than 10 %% (%(gaps)s): the "
            "plan is deterministic (the consensus demand, the draft policies "
            "of approval, one planned order each time the stock position "
            "reaches the reorder point), the simulation draws demand paths "
            "around the consensus and lead times from the vendors' measured "
            "delays, with policies sized on the forecast's normal law. Budget "
            "with the plan, read the risk in the simulation.",
            gaps="; ".join(gaps),
        )

    # ------------------------------------------------------------------
    # Supply review: draft policies and planned receipts
    # ------------------------------------------------------------------
    def _supply_plan_whole(self):
        """Draft policies of the whole plan; then the supply plan and capacity
        loads of the few products the chunks could not finish.

        Each chunk planned its lines with the drafts stored before this run
        (``_supply_plan_chunk``). Here the drafts are computed for every
        product at once, as approval computes them; only the lines of
        products whose draft changed, and of products under a capacity (it
        adds up products of all chunks), are read and planned again.
        """
        product_ids = self._cycle_product_ids("sop.plan.line")
        if not product_ids:
            return
        start = time.perf_counter()
        forecasts = self.env["sop.forecast"].search(
            [("cycle_id", "=", self.id), ("product_id", "in", product_ids)]
        )
        stored = self._stored_drafts(forecasts)
        used = self._drafts_frame([policy for _print, policy in stored.values()])
        drafts = self._store_draft_policies(forecasts, stored)
        drafted = time.perf_counter()
        changed = _changed_draft_products(used, drafts)
        capacities = self.env["sop.capacity"].search(
            [("company_id", "=", self.company_id.id)]
        )
        # read once for the members and the loads of the vendors' capacities
        vendors = (
            self.env["sop.supply.data"]._vendors(
                self.company_id, self.env["product.product"].browse(product_ids)
            )
            if capacities.vendor_id
            else None
        )
        under_capacity = self._capacity_product_ids(capacities, product_ids, vendors)
        again = sorted(changed | under_capacity)
        lines = self._supply_plan_lines(again)
        _logger.info(
            "S&OP supply plan of %s: %s draft policies (%s applicable) in %.1f s; "
            "%s product(s) planned again (draft changed or under a capacity) "
            "in %.1f s",
            self.name,
            len(forecasts),
            len(drafts),
            drafted - start,
            len(again),
            time.perf_counter() - drafted,
        )
        if lines.empty:
            return
        lines = self._plan_supply(lines, drafts)
        products = self.env["product.product"].browse(
            lines["product_id"].unique().tolist()
        )
        lines = self._capacity_load(lines, products, vendors, capacities)
        bulk_update(
            self.env["sop.plan.line"],
            lines["id"].tolist(),
            self._supply_plan_columns(lines),
            only_changed=True,
        )

    def _supply_plan_lines(self, product_ids):
        """The plan lines of ``product_ids`` as the chunks left them
        (projection inputs, unit cost) with the stock on hand, sorted."""
        columns = [
            *KEYS,
            "period",
            "consensus",
            "pulled",
            "prior",
            "incoming",
            "committed",
        ]
        if not product_ids:
            return pd.DataFrame(columns=["id", *columns, "cost", "on_hand", "route"])
        Line = self.env["sop.plan.line"]
        Line.flush_model()
        lines = query_frame(
            self.env,
            Line._search(
                [("cycle_id", "=", self.id), ("product_id", "in", product_ids)]
            ).select(
                "id",
                "product_id",
                "warehouse_id",
                "date_month",
                "consensus_qty",
                "pulled_qty",
                "prior_demand_qty",
                "incoming_qty",
                "committed_qty",
                "cost_unit",
            ),
            ["id", *columns, "cost"],
            dates=["period"],
        )
        numbers = ["consensus", "pulled", "prior", "incoming", "committed", "cost"]
        lines[numbers] = lines[numbers].astype(float).fillna(0.0)
        products = self.env["product.product"].browse(
            lines["product_id"].unique().tolist()
        )
        warehouses = self.env["stock.warehouse"].browse(
            lines["warehouse_id"].unique().tolist()
        )
        on_hand = self.env["sop.supply.data"]._on_hand(
            self.company_id, warehouses, products
        )
        lines = lines.merge(on_hand, on=KEYS, how="left")
        lines["on_hand"] = lines["on_hand"].astype(float).fillna(0.0)
        Forecast = self.env["sop.forecast"]
        Forecast.flush_model(["product_id", "warehouse_id", "supply_route"])
        routes = query_frame(
            self.env,
            Forecast._search(
                [("cycle_id", "=", self.id), ("product_id", "in", product_ids)]
            ).select("product_id", "warehouse_id", "supply_route"),
            [*KEYS, "route"],
        )
        lines = lines.merge(routes, on=KEYS, how="left")
        return lines.sort_values([*KEYS, "period"]).reset_index(drop=True)

    def _supply_plan_chunk(self, lines, product_ids):
        """Supply plan columns of a chunk's ``lines`` (its stock projection),
        with the drafts stored so far: the finalize plans again only the
        products whose draft it changes, or under a capacity. Capacity
        loads: 0 off any capacity, else kept as stored (the finalize's)."""
        forecasts = self.env["sop.forecast"].search(
            [("cycle_id", "=", self.id), ("product_id", "in", product_ids)]
        )
        drafts = self._drafts_frame(
            [policy for _print, policy in self._stored_drafts(forecasts).values()]
        )
        lines = self._plan_supply(lines, drafts)
        capacities = self.env["sop.capacity"].search(
            [("company_id", "=", self.company_id.id)]
        )
        under = lines["product_id"].isin(
            list(self._capacity_product_ids(capacities, product_ids))
        )
        lines["capacity_load"] = lines["stored_capacity_load"].where(under, 0.0)
        lines["receipts"] = lines["incoming"] + lines["planned_receipts"]
        columns = self._supply_plan_columns(lines)
        columns["is_over_capacity"] = (
            lines["stored_over_capacity"].where(under, False).astype(bool).tolist()
        )
        return columns

    @api.model
    def _supply_plan_columns(self, lines):
        """The supply plan's plan line columns of ``lines`` (lists)."""
        return {
            "capacity_load": lines["capacity_load"].tolist(),
            "is_over_capacity": (
                (lines["capacity_load"] > 100 + 1e-9) & (lines["receipts"] > 0)
            ).tolist(),
            "planned_receipt_qty": lines["planned_receipts"].tolist(),
            "planned_on_hand": lines["projected_with_plan"].tolist(),
            "purchase_spend": lines["purchase_spend"].tolist(),
            "planned_inventory_value": lines["planned_value"].tolist(),
        }

    def _capacity_product_ids(self, capacities, product_ids, vendors=None):
        """The products of ``product_ids`` under one of ``capacities``, as
        ``_capacity_load`` counts them: of its category (or a subcategory),
        or whose first vendor is its vendor (``vendors``: ``_vendors`` of
        ``product_ids``, when the caller has read them)."""
        if not capacities or not product_ids:
            return set()
        Product = self.env["product.product"].with_context(active_test=False)
        members = set()
        categories = capacities.categ_id
        if categories:
            members.update(
                Product.search(
                    [
                        ("id", "in", product_ids),
                        ("categ_id", "child_of", categories.ids),
                    ]
                ).ids
            )
        vendor_ids = capacities.filtered(lambda c: not c.categ_id).vendor_id.ids
        if vendor_ids:
            if vendors is None:
                vendors = self.env["sop.supply.data"]._vendors(
                    self.company_id, Product.browse(product_ids)
                )
            members.update(
                vendors.loc[vendors["vendor_id"].isin(vendor_ids), "product_id"]
                .astype(int)
                .tolist()
            )
        return members

    def _plan_supply(self, lines, drafts):
        """Add the supply plan to the supply review's ``lines`` (DataFrame).

        ``lines`` carry ``product_id, warehouse_id, period, on_hand,
        incoming, committed, consensus, pulled, prior, cost, route`` (the
        supply route; ``pulled`` and ``prior``: ``projected_demand``);
        ``drafts`` are the draft policies of their forecasts
        (``_store_draft_policies``). Adds ``planned_receipts``,
        ``projected_with_plan``, ``purchase_spend`` (confirmed and planned
        receipts at cost, none for a resupplied warehouse) and
        ``planned_value``.
        """
        self.ensure_one()
        demand = projected_demand(lines, before_plan=False)
        # the demand before the plan (first month) is gone when the plan
        # starts: the plan starts from the stock it leaves, and its first
        # orders see that stock (the projection is the same)
        before_plan = projected_demand(lines) - demand
        item_id = lines.groupby(KEYS, sort=False).ngroup()
        frame = lines.assign(
            item_id=item_id,
            confirmed=lines["incoming"],
            demand=demand,
            on_hand=lines["on_hand"] - before_plan.groupby(item_id).transform("sum"),
        )
        policy = frame[["item_id", *KEYS, "cost"]].drop_duplicates("item_id")
        policy = policy.merge(drafts, on=KEYS, how="left").rename(
            columns={"cost": "unit_cost"}
        )
        planned = plan_supply(
            frame[["item_id", "period", "on_hand", "confirmed", "demand"]], policy
        )
        lines["planned_receipts"] = planned["planned_receipts"].to_numpy()
        lines["projected_with_plan"] = planned["projected_with_plan"].to_numpy()
        # receipts of a resupplied warehouse are transfers: no cash out (the
        # source's purchases, which carry what it pulls, pay for them)
        bought = lines["route"].ne("resupply").to_numpy()
        lines["purchase_spend"] = np.where(
            bought,
            planned["purchase_spend"].to_numpy() + lines["incoming"] * lines["cost"],
            0.0,
        )
        lines["planned_value"] = (
            lines["projected_with_plan"].clip(lower=0.0) * lines["cost"]
        )
        return lines

    def _store_draft_policies(self, forecasts, stored=None):
        """Compute and store the draft policies of ``forecasts``.

        A refresh keeps the stored drafts when none of their inputs changed
        (same fingerprints): the policy engine runs only when needed.
        Returns ``product_id, warehouse_id, reorder_point, order_qty,
        lead_time_days, multiple`` of the policies that apply (skipped ones:
        no planned orders). ``stored``: ``_stored_drafts`` when the caller
        has read them already.
        """
        scenario = self.approved_scenario_id or None
        inputs = self._policy_inputs(forecasts, scenario)
        prints = self._policy_fingerprints(forecasts, inputs)
        if stored is None:
            stored = self._stored_drafts(forecasts)
        if all(
            stored.get(fid, (None, None))[1] and stored[fid][0] == prints[fid]
            for fid in forecasts.ids
        ):
            drafts = [stored[fid][1] for fid in forecasts.ids]
        else:
            vals_list = self._policy_vals_from_inputs(forecasts, inputs, scenario)
            drafts = [_json_safe(vals) for vals in vals_list]
            bulk_update(
                self.env["sop.forecast"],
                forecasts.ids,
                {
                    "draft_policy": drafts,
                    "draft_fingerprint": [prints[f.id] for f in forecasts],
                    "draft_reorder_point": [d.get("reorder_point") for d in drafts],
                    "draft_order_qty": [d.get("order_qty") for d in drafts],
                },
                only_changed=True,
            )
        return self._drafts_frame(drafts)

    @api.model
    def _drafts_frame(self, drafts):
        """``product_id, warehouse_id, reorder_point, order_qty,
        lead_time_days, multiple`` of the ``drafts`` (policy values) that
        apply; skipped or missing ones (None) get no planned orders."""
        applied = [d for d in drafts if d and d.get("state") != "skipped"]
        return pd.DataFrame(
            [
                {
                    "product_id": d["product_id"],
                    "warehouse_id": d["warehouse_id"],
                    "reorder_point": d.get("reorder_point"),
                    "order_qty": d.get("order_qty"),
                    "lead_time_days": d.get("lead_time_days"),
                    "multiple": d.get("qty_multiple"),
                }
                for d in applied
            ],
            columns=DRAFT_COLUMNS,
        ).astype(float)

    def _stored_drafts(self, forecasts):
        """{forecast id: (draft fingerprint, draft policy)} as stored, read in
        one query (the ORM copies a JSON value on every read)."""
        Forecast = self.env["sop.forecast"]
        Forecast.flush_model(["draft_fingerprint", "draft_policy"])
        return {
            fid: (fingerprint, policy)
            for fid, fingerprint, policy in self.env.execute_query(
                Forecast._search([("id", "in", forecasts.ids)]).select(
                    "id", "draft_fingerprint", "draft_policy"
                )
            )
        }

    def _policy_inputs(self, forecasts, scenario=None):
        """The policy engine's inputs for ``forecasts``, as approval reads them:
        ``(items, skipped, demand, history)``."""
        items, skipped = self._policy_items(forecasts, scenario)
        if items.empty:
            return items, skipped, None, None
        demand = self._policy_demand(items, scenario)
        history = self._policy_history(items, scenario)
        return items, skipped, demand, history

    def _policy_vals_from_inputs(self, forecasts, inputs, scenario=None):
        """Policy values of ``forecasts`` from ``_policy_inputs``, computed as
        ``_compute_policy_values`` computes them."""
        items, skipped, demand, history = inputs
        result, failed = self._plan_policies(
            items, scenario, history=history, demand=demand
        )
        return self._policy_values(forecasts, items, result, {**skipped, **failed})

    @api.model
    def _policy_fingerprints(self, forecasts, inputs):
        """forecast id -> hash (hex) of its rows in the policy inputs."""
        items, skipped, demand, history = inputs
        ids = np.asarray(forecasts.ids)
        total = np.zeros(len(ids), dtype=np.uint64)
        frames = [
            pd.DataFrame(
                {"item_id": list(skipped), "reason": [str(r) for r in skipped.values()]}
            ),
            items,
            demand,
            history,
        ]
        for salt, frame in enumerate(frames):
            if frame is None or frame.empty:
                continue
            frame = frame[frame["item_id"].isin(ids)].reset_index(drop=True)
            hashes = pd.util.hash_pandas_object(
                frame.assign(_part=salt), index=False
            ).to_numpy(np.uint64)
            rows = pd.Index(ids).get_indexer(frame["item_id"])
            np.add.at(total, rows, hashes)  # wraps modulo 2**64: order-free
        return {int(i): f"{int(h):016x}" for i, h in zip(ids, total, strict=True)}

    # ------------------------------------------------------------------
    # Approval: the drafts, when nothing they depend on changed
    # ------------------------------------------------------------------
    def _compute_policy_values(self, scenario=None):
        """Extended: apply the supply review's drafts when their inputs did not
        change since, else compute anew (``super()``); the chatter says which.

        Drafts are offered once, to the first policy computation after the
        supply review (the approval): their fingerprints are cleared then, so
        the nightly refresh computes as before.
        """
        self.ensure_one()
        offered = self.env["sop.forecast"].search(
            [("cycle_id", "=", self.id), ("draft_fingerprint", "!=", False)]
        )
        if not offered:
            return super()._compute_policy_values(scenario=scenario)
        forecasts = self.env["sop.forecast"].search([("cycle_id", "=", self.id)])
        prints = self._policy_fingerprints(
            forecasts, self._policy_inputs(forecasts, scenario)
        )
        stored = self._stored_drafts(forecasts)
        # a forecast skipped or without history never had a draft: not a change
        undrafted = forecasts.filtered(lambda f: not stored[f.id][1])
        changed = (forecasts - undrafted).filtered(
            lambda f: stored[f.id][0] != prints[f.id]
        )
        if changed and scenario:
            vals_list = super()._compute_policy_values(scenario=scenario)
            body = self.env._(
                "Inventory policies recomputed for the approved scenario "
                "%(scenario)s: the supply review's %(total)s draft policies "
                "were made without it.",
                scenario=scenario.display_name,
                total=len(forecasts),
            )
        elif changed:
            vals_list = super()._compute_policy_values(scenario=scenario)
            # each product x warehouse named: a product of two warehouses twice
            names = ", ".join(
                f"{f.product_id.display_name} ({f.warehouse_id.code})"
                for f in changed[:5]
            )
            if len(changed) > 5:
                names += " " + self.env._("and %s more", len(changed) - 5)
            body = self.env._(
                "Inventory policies recomputed: the inputs of %(count)s of "
                "%(total)s product(s) x warehouse(s) changed since the supply "
                "review (plan, settings, vendors, costs or the scenario): "
                "%(names)s.",
                count=len(changed),
                total=len(forecasts),
                names=names,
            )
        else:
            vals_list = (
                # the same inputs give the drafts' values, and the others'
                super()._compute_policy_values(scenario=scenario)
                if undrafted
                else [dict(stored[f.id][1], cycle_id=self.id) for f in forecasts]
            )
            body = self.env._(
                "Inventory policies: the %(total)s draft policies of the supply "
                "review applied as they were; nothing they depend on changed "
                "since.",
                total=len(forecasts),
            )
        offered.write({"draft_fingerprint": False})
        self.message_post(body=body)
        return vals_list


def _json_safe(vals):
    """Policy values as JSON: numpy scalars as Python, NaN as null."""
    safe = {}
    for name, value in vals.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            value = None
        safe[name] = value
    return safe


def _changed_draft_products(before, after):
    """Product ids whose drafts (``_drafts_frame``) differ between ``before``
    and ``after``: a draft added, removed, or with another value (beyond the
    last digits a float loses on its way through a job's JSON: the products
    planned again were not the same as jobs and in the request)."""
    merged = before.merge(
        after, on=KEYS, how="outer", suffixes=("_before", "_after"), indicator=True
    )
    differ = (merged["_merge"] != "both").to_numpy().copy()
    for name in DRAFT_COLUMNS[2:]:
        old = merged[f"{name}_before"].to_numpy(float)
        new = merged[f"{name}_after"].to_numpy(float)
        differ |= ~np.isclose(old, new, rtol=1e-12, atol=1e-9, equal_nan=True)
    return set(merged.loc[differ, "product_id"].astype(int).tolist())
