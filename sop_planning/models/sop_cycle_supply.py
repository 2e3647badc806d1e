"""Supply review and financial plan of a cycle.

Projection per product x warehouse, month by month from the plan's first month:

    projected[m] = projected[m-1] + incoming[m]
                   - max(consensus[m] + pulled[m] + prior[m], committed[m])
    projected[-1] = on hand today

(committed deliveries are part of the demand; the larger of the two is used so
confirmed orders are not counted twice; ``pulled``: what the warehouses it
resupplies take; ``prior``: on the first month only, the demand between today
and the plan, ``sop_cycle_prior_demand.py``). A month is short when the projection
is below zero, in excess when it is above ``company.sop_excess_months`` times
the average monthly consensus of the horizon. A month below zero is a
shortage when it starts before an order placed today could arrive (the lead
time of the product's source at that warehouse, as Odoo's route says: the
vendor's, or the transfer's from the warehouse that resupplies it), or when
the product has no source: a new order cannot cover it,
while later months are what the reorder proposals will cover.

Money per line: revenue = consensus x unit price (sales pricelist of the
settings, or the realised average price of the history window), cost =
consensus x product cost, margin = revenue - cost, inventory value = positive
projection x product cost. The forecast run sets the prices already
(``_value_plan_lines``): the demand review shows the plan's money.
"""

import logging

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import MAX_LEAD_TIME_DAYS
from .sop_bulk import bulk_update, query_frame
from .sop_common import GROUP_PLANNER, GROUP_USER, first_of_this_month
from .sop_supply_data import projected_demand, pulled_demand

_logger = logging.getLogger(__name__)
# a unit price or cost above this is a typing error, not a price: valued at
# 0 (a price of 1e300, which Odoo accepts, overflowed the plan's money and
# failed the scenario scoring of every product)
MAX_UNIT_MONEY = 1e9

SUPPLY_STATES = ("demand_review", "supply_review", "reconciliation")
KEYS = ["product_id", "warehouse_id"]
# the earlier plans of a company sharing a warehouse with a cycle looked
# through for the one it follows (a category or product filter may differ)
PREVIOUS_PLANS_SEARCHED = 24


def realised_prices(history):
    """Realised price per unit of each product in ``history`` (value / qty)."""
    sums = history.dropna(subset=["qty"]).groupby("product_id")[["qty", "value"]].sum()
    sums = sums[sums["qty"] > 0]
    return (sums["value"] / sums["qty"]).to_dict()


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    shortage_count = fields.Integer(
        string="Shortages",
        compute="_compute_supply_summary",
        help="Plan lines (product x warehouse x month) projected below zero "
        "before an order placed today could arrive (vendor lead time), or of a "
        "product without vendor.",
        groups=GROUP_USER,
    )
    excess_count = fields.Integer(
        string="Excess", compute="_compute_supply_summary", groups=GROUP_USER
    )
    over_capacity_count = fields.Integer(
        string="Over Capacity",
        compute="_compute_supply_summary",
        groups=GROUP_USER,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    revenue_total = fields.Monetary(
        string="Revenue", compute="_compute_supply_summary", groups=GROUP_USER
    )
    cost_total = fields.Monetary(
        string="Cost", compute="_compute_supply_summary", groups=GROUP_USER
    )
    margin_total = fields.Monetary(
        string="Margin", compute="_compute_supply_summary", groups=GROUP_USER
    )
    inventory_value_end = fields.Monetary(
        string="Inventory Value (end)",
        compute="_compute_supply_summary",
        help="Inventory value in the last month of the horizon, with the supply plan.",
        groups=GROUP_USER,
    )
    previous_cycle_id = fields.Many2one(
        "sop.cycle",
        string="Previous Approved Cycle",
        compute="_compute_supply_summary",
        groups=GROUP_USER,
    )
    revenue_diff = fields.Monetary(
        string="Revenue vs Previous",
        compute="_compute_against_previous",
        help="Against the previous approved plan's revenue of the products "
        "and warehouses both plans plan, over the months both cover.",
        groups=GROUP_USER,
    )
    margin_diff = fields.Monetary(
        string="Margin vs Previous",
        compute="_compute_against_previous",
        groups=GROUP_USER,
    )
    date_supply = fields.Datetime(string="Supply Review On", readonly=True, copy=False)

    @api.depends("plan_line_ids.is_shortage", "plan_line_ids.revenue")
    def _compute_supply_summary(self):
        Line = self.env["sop.plan.line"]
        previous = {cycle: cycle._previous_approved() for cycle in self}
        totals = {
            cycle.id: (revenue, cost, margin)
            for cycle, revenue, cost, margin in Line._read_group(
                [("cycle_id", "in", self.ids)],
                ["cycle_id"],
                ["revenue:sum", "cost:sum", "margin:sum"],
            )
        }
        flags = {
            (cycle.id, short, excess): count
            for cycle, short, excess, count in Line._read_group(
                [("cycle_id", "in", self.ids)],
                ["cycle_id", "is_shortage", "is_excess"],
                ["__count"],
            )
        }
        over = dict(
            Line._read_group(
                [("cycle_id", "in", self.ids), ("is_over_capacity", "=", True)],
                ["cycle_id"],
                ["__count"],
            )
        )
        # each cycle's own last month (another cycle's last month is not)
        last_month = {
            (cycle.id, month): value
            for cycle, month, value in Line._read_group(
                [
                    ("cycle_id", "in", self.ids),
                    ("date_month", "in", [c._plan_months()[-1] for c in self]),
                ],
                ["cycle_id", "date_month:day"],
                ["planned_inventory_value:sum"],
            )
        }
        for cycle in self:
            revenue, cost, margin = totals.get(cycle.id, (0.0, 0.0, 0.0))
            cycle.shortage_count = sum(
                n for (cid, short, _x), n in flags.items() if cid == cycle.id and short
            )
            cycle.excess_count = sum(
                n for (cid, _s, exc), n in flags.items() if cid == cycle.id and exc
            )
            cycle.over_capacity_count = over.get(cycle, 0)
            cycle.revenue_total = revenue
            cycle.cost_total = cost
            cycle.margin_total = margin
            cycle.inventory_value_end = last_month.get(
                (cycle.id, cycle._plan_months()[-1]), 0.0
            )
            cycle.previous_cycle_id = previous[cycle]

    @api.depends("plan_line_ids.revenue", "plan_line_ids.purchase_spend", "date_supply")
    def _compute_against_previous(self):
        """Revenue, margin, spend and stock against the previous approved
        plan, like for like (``_against_previous``, read once per cycle)."""
        for cycle in self:
            against = cycle._against_previous(cycle._previous_approved())
            cycle.revenue_diff = against["revenue"] if against else 0.0
            cycle.margin_diff = against["margin"] if against else 0.0
            # without figures of its own, the previous plan would show this
            # plan's whole spend and stock as the difference; before this
            # plan's supply review, the previous plan's as a decrease
            compared = bool(
                cycle.date_supply and against and against["previous_supply"]
            )
            cycle.supply_plans_compared = compared
            cycle.purchase_spend_diff = against["spend"] if compared else 0.0
            cycle.inventory_value_end_diff = against["stock_value"] if compared else 0.0

    def _against_previous(self, previous):
        """This plan against ``previous`` like for like, or None without a
        month both plan: the product x warehouse pairs both plan (a previous
        plan of more categories or warehouses read as a fall of their whole
        plan, a new category as a rise), over the months both cover (a month
        earlier, its first month and a month fewer of this plan's last read
        as a change). {revenue, margin, spend: differences over those
        months (this plan's first month also buys for the months before it);
        stock_value: at the end of the last of them; previous_supply: whether
        the previous plan has a supply plan}.
        """
        if not (self.id and previous):
            return None
        self.env["sop.plan.line"].flush_model(
            ["revenue", "margin", "purchase_spend", "planned_inventory_value"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.cycle_id, l.date_month, SUM(l.revenue), SUM(l.margin),
                       SUM(l.purchase_spend), SUM(l.planned_inventory_value)
                  FROM sop_plan_line l
                 WHERE l.cycle_id IN (%(mine)s, %(previous)s)
                   AND EXISTS (
                       SELECT 1 FROM sop_plan_line o
                        WHERE o.cycle_id = CASE WHEN l.cycle_id = %(mine)s
                                                THEN %(previous)s ELSE %(mine)s END
                          AND o.product_id = l.product_id
                          AND o.warehouse_id = l.warehouse_id)
                 GROUP BY l.cycle_id, l.date_month
                """,
                mine=self.id,
                previous=previous.id,
            )
        )
        months = {self.id: {}, previous.id: {}}
        for cycle_id, month, *values in rows:
            months[cycle_id][month] = [value or 0.0 for value in values]
        mine, theirs = months[self.id], months[previous.id]
        common = sorted(mine.keys() & theirs.keys())
        if not common:
            return None
        last = common[-1]
        return {
            "revenue": sum(mine[m][0] - theirs[m][0] for m in common),
            "margin": sum(mine[m][1] - theirs[m][1] for m in common),
            "spend": sum(mine[m][2] - theirs[m][2] for m in common),
            "stock_value": mine[last][3] - theirs[last][3],
            "previous_supply": any(v[2] or v[3] for v in theirs.values()),
        }

    def _previous_approved(self):
        """The latest approved or closed cycle of the company before this
        one whose scope overlaps this one's (the plan it follows): of an
        earlier month, or of the same month made before it (a re-plan
        follows the plan it would replace)."""
        self.ensure_one()
        if not self.date_month:
            return self.browse()
        earlier = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("approved", "closed")),
                "|",
                ("date_month", "<", self.date_month),
                "&",
                ("date_month", "=", self.date_month),
                ("id", "<", self.id or 0),
                "|",
                ("warehouse_ids", "=", False),
                ("warehouse_ids", "in", self._get_scope_warehouses().ids),
            ],
            order="date_month desc, id desc",
            limit=PREVIOUS_PLANS_SEARCHED,
        )
        return next(
            (other for other in earlier if self._scope_overlap(other)), self.browse()
        )

    def action_run_supply_review(self):
        """Button: compute stock projection, vendor data and money."""
        result = True
        for cycle in self:
            result = cycle._run_supply_review()
        return result

    def _run_supply_review(self):
        """Project stock per month and value the plan; flag shortage/excess.

        A step of ``_sop_run_step`` (sop_cycle_jobs.py): ``_supply_prepare``
        (the plan's products), ``_supply_chunk`` per chunk of products and
        ``_supply_finalize`` (draft policies, planned receipts and capacity
        loads of the whole plan).
        """
        self.ensure_one()
        what = self.env._("run the supply review")
        self._check_group(GROUP_PLANNER, what)
        self._check_not_frozen(what)
        if self.state not in SUPPLY_STATES:
            raise UserError(
                self.env._(
                    "The supply review runs between demand review and reconciliation."
                )
            )
        if not self.env["sop.plan.line"].search_count(
            [("cycle_id", "=", self.id)], limit=1
        ):
            raise UserError(self.env._("Run the forecast first: the plan is empty."))
        return self._sop_run_step("supply")

    def _supply_lines(self, product_ids=None):
        """The plan lines (id, keys, period, consensus, stored capacity load
        and flag) of ``product_ids``."""
        Line = self.env["sop.plan.line"]
        Line.flush_model()
        domain = [("cycle_id", "=", self.id)]
        if product_ids is not None:
            domain.append(("product_id", "in", product_ids))
        lines = query_frame(
            self.env,
            Line._search(domain).select(
                "id",
                "product_id",
                "warehouse_id",
                "date_month",
                "consensus_qty",
                "capacity_load",
                "is_over_capacity",
            ),
            [
                "id",
                *KEYS,
                "period",
                "consensus",
                "stored_capacity_load",
                "stored_over_capacity",
            ],
            dates=["period"],
        )
        lines["consensus"] = lines["consensus"].astype(float)
        lines["stored_capacity_load"] = lines["stored_capacity_load"].astype(float)
        lines["stored_over_capacity"] = (
            lines["stored_over_capacity"].astype("boolean").fillna(False).astype(bool)
        )
        return lines

    def _supply_prepare(self):
        """The plan's products (read in SQL, not its lines): chunks project
        stock product by product; and each vendor's delivery reliability
        over all of them, the same whichever chunk a product is in (each
        product's own reliability goes to its chunk): the receipts are read
        once."""
        product_ids = self._cycle_product_ids("sop.plan.line")
        data = self.env["sop.supply.data"]
        receipts = data._receipts(
            self.company_id,
            self.env["product.product"].browse(product_ids),
            self._reliability_from(),
            self.date_month,
        )
        per_vendor = data._reliability(receipts, "vendor_id").rename(
            columns=lambda name: name if name == "vendor_id" else f"vendor_{name}"
        )
        frames = {
            "product_reliability": data._reliability(receipts, "product_id"),
            "vendor_reliability": per_vendor,
        }
        return product_ids, frames, {}

    def _reliability_from(self):
        """The first day of the receipts that measure reliability."""
        return self.date_history_from or (
            self.date_month - relativedelta(months=self.history_months)
        )

    def _supply_finalize(self, counts, info):
        """Draft policies of the whole plan, then date the supply review.

        Draft policies are computed on every product at once, as approval
        computes them (items of a demand pattern share their target); the
        supply plan of the products whose draft changed, and capacity loads
        (they add up the receipts of products of all chunks), are redone.
        """
        self._supply_plan_whole()  # sop_cycle_supply_plan.py
        self.sudo().write({"date_supply": fields.Datetime.now()})
        self._post_undrafted()
        return True

    def _post_undrafted(self):
        """Name in the chatter the forecasts that got no draft policy, and
        why: no planned orders for them, no rule at approval."""
        undrafted = (
            self.env["sop.forecast"]
            .sudo()
            .search([("cycle_id", "=", self.id), ("state", "=", "ok")])
            .filtered(lambda f: (f.draft_policy or {}).get("state") == "skipped")
        )
        if undrafted:
            self.message_post(
                body=self.env._(
                    "Supply review: %s product(s) x warehouse(s) get no draft "
                    "policy, so no planned orders.",
                    len(undrafted),
                )
                + self._skipped_note(
                    undrafted, reason_of=lambda f: f.draft_policy.get("skip_reason")
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _supply_chunk(self, product_ids, frames):
        """Supply review of the plan lines of ``product_ids`` (idempotent):
        stock projection, values, the supply plan with the stored drafts
        (``_supply_plan_chunk``), and the vendor or source data."""
        Line = self.env["sop.plan.line"]
        lines = self._supply_lines(product_ids)
        products = self.env["product.product"].browse(
            lines["product_id"].unique().tolist()
        )
        warehouses = self.env["stock.warehouse"].browse(
            lines["warehouse_id"].unique().tolist()
        )
        data = self.env["sop.supply.data"]
        sources = data._supply_sources(self.company_id, warehouses, products)
        lines = self._prior_demand(lines, products, warehouses)
        lines = self._pulled_by_other_warehouses(
            lines, sources, self._pulled_by_other_plans(products)
        )
        lines = self._project_stock(lines, products, warehouses, sources)
        lines = self._value_lines(lines, products)
        money = self._line_money(lines)
        lines["route"] = (
            lines[KEYS]
            .merge(sources[[*KEYS, "route"]], on=KEYS, how="left")["route"]
            .to_numpy()
        )
        plan = self._supply_plan_chunk(lines, product_ids)  # one UPDATE for both
        bulk_update(
            Line,
            lines["id"].tolist(),
            {
                **{name: column.tolist() for name, column in money.items()},
                **plan,
                "incoming_qty": lines["incoming"].tolist(),
                "committed_qty": lines["committed"].tolist(),
                "pulled_qty": lines["pulled"].tolist(),
                "prior_demand_qty": lines["prior"].tolist(),
                "projected_on_hand": lines["projected"].tolist(),
                "is_shortage": lines["shortage"].tolist(),
                "is_excess": lines["excess"].tolist(),
                "price_unit": lines["price"].tolist(),
                "cost_unit": lines["cost"].tolist(),
            },
            only_changed=True,
        )
        # exact (numeric) rounding: rewrites only the lines it changes
        Line._sql_recompute(self, product_ids)
        self._write_forecast_supply(
            lines,
            products,
            sources,
            frames["product_reliability"],
            frames["vendor_reliability"],
        )
        return {"lines": len(lines)}

    def _project_stock(self, lines, products, warehouses, sources):
        data = self.env["sop.supply.data"]
        on_hand = data._on_hand(self.company_id, warehouses, products)
        moves = data._open_moves(self.company_id, warehouses, products, self.date_month)
        # moves beyond the horizon do not count; late ones are in the first month
        lines = lines.merge(moves, on=[*KEYS, "period"], how="left")
        lines = lines.merge(on_hand, on=KEYS, how="left")
        lines[["incoming", "committed", "on_hand"]] = (
            lines[["incoming", "committed", "on_hand"]].astype(float).fillna(0.0)
        )
        lines = lines.sort_values([*KEYS, "period"]).reset_index(drop=True)
        flow = lines["incoming"] - projected_demand(lines)
        lines["projected"] = (
            lines["on_hand"]
            + flow.groupby([lines["product_id"], lines["warehouse_id"]]).cumsum()
        )
        demand = lines["consensus"] + lines["pulled"]  # own + other warehouses'
        cover = demand.groupby([lines[k] for k in KEYS]).transform("mean") * (
            self.company_id.sop_excess_months or 6
        )
        lead_time = lines[KEYS].merge(
            sources[[*KEYS, "lead_time"]], on=KEYS, how="left"
        )["lead_time"]
        arrival = pd.Timestamp(fields.Date.context_today(self)) + pd.to_timedelta(
            lead_time.astype(float).clip(upper=MAX_LEAD_TIME_DAYS), unit="D"
        )
        uncoverable = arrival.isna() | (lines["period"] < arrival)
        # short by at least half of the unit's step: -0.4 of a piece is none
        step = lines["product_id"].map(self._quantity_steps(products))
        lines["shortage"] = (
            lines["projected"] < -np.maximum(0.5 * step.fillna(0.0), 1e-9)
        ) & uncoverable
        lines["excess"] = (lines["projected"] > cover + 1e-9) & (lines["projected"] > 0)
        return lines

    def _quantity_steps(self, products):
        """Per product id, the smallest quantity of its unit that S&OP plans
        (``uom.uom._sop_quantity_step``: 1 for pieces)."""
        step_of = self.env["uom.uom"]._sop_quantity_steps(products.uom_id.ids)
        return pd.Series(
            {product.id: step_of[product.uom_id.id] for product in products},
            dtype=float,
        )

    def _pulled_by_other_plans(self, products):
        """The demand of the depots of the company's other approved plans
        that are resupplied from this cycle's warehouses (``_fed_forecasts``;
        a depot this cycle plans is its own): their plan lines, and before
        their plan, from this month on, the forecast it kept
        (``gap_forecast``). ``KEYS, period, consensus, prior`` (their demand
        before this plan, ``_other_plans_prior``), ``source_warehouse_id,
        lead_time``."""
        own = self.env["sop.forecast"].search(
            [("cycle_id", "=", self.id), ("product_id", "in", products.ids)]
        )
        mine = {(f.product_id.id, f.warehouse_id.id) for f in own}
        fed = self._fed_forecasts(pd.DataFrame({"item_id": own.ids}))
        theirs = self.env["sop.forecast"].browse(fed.index.tolist())
        theirs = theirs.filtered(
            lambda f: (
                f.cycle_id != self and (f.product_id.id, f.warehouse_id.id) not in mine
            )
        )
        columns = [*KEYS, "period", "consensus"]
        sources = ["source_warehouse_id", "lead_time"]
        if not theirs:
            return pd.DataFrame(columns=[*columns, "prior", *sources])
        groups = self.env["sop.plan.line"]._read_group(
            [("forecast_id", "in", theirs.ids)],
            ["forecast_id", "date_month:month"],
            ["consensus_qty:sum"],
        )
        planned = pd.DataFrame(
            [
                (f.product_id.id, f.warehouse_id.id, pd.Timestamp(month), total)
                for f, month, total in groups
            ],
            columns=columns,
        )
        kept = self._gap_months(
            [("id", "in", theirs.ids)], first_of_this_month(self)
        ).rename(columns={"forecast": "consensus"})
        source = pd.DataFrame(
            [
                (
                    f.product_id.id,
                    f.warehouse_id.id,
                    f.source_warehouse_id.id,
                    f.lead_time_days,
                )
                for f in theirs
            ],
            columns=[*KEYS, *sources],
        )
        frame = (
            pd.concat([planned, kept], ignore_index=True)
            .merge(source, on=KEYS)
            .astype({"consensus": float, "lead_time": float})
        )
        return self._other_plans_prior(frame, theirs)

    def _pulled_by_other_warehouses(self, lines, sources, other_plans=None):
        """Add ``pulled``: what the warehouses resupplied from a line's
        warehouse pull from it that month (their consensus, a transfer's lead
        time earlier, ``sop_supply_data.pulled_demand``; their demand before
        the plan, ``prior``, in the plan's first month), those of this cycle
        and ``other_plans``' lines (``_pulled_by_other_plans``)."""
        fed = sources.loc[
            sources["route"] == "resupply",
            [*KEYS, "source_warehouse_id", "lead_time"],
        ]
        fed = lines[[*KEYS, "period", "consensus", "prior"]].merge(fed, on=KEYS)
        if other_plans is not None and not other_plans.empty:
            fed = pd.concat([fed, other_plans[fed.columns]], ignore_index=True)
        lines = lines.drop(columns="pulled", errors="ignore")
        if fed.empty:
            return lines.assign(pulled=0.0)
        before_plan = fed.assign(consensus=fed["prior"])[fed["prior"] != 0]
        fed = pulled_demand(fed.drop(columns="prior"), ["consensus"])
        fed = pd.concat([fed, before_plan[fed.columns]], ignore_index=True)
        fed["warehouse_id"] = fed["source_warehouse_id"].astype(int)
        pulled = (
            fed.groupby([*KEYS, "period"])["consensus"].sum().rename("pulled")
        ).reset_index()
        lines = lines.merge(pulled, on=[*KEYS, "period"], how="left")
        lines["pulled"] = lines["pulled"].fillna(0.0)
        return lines

    def _value_lines(self, lines, products, window=None, realised=None):
        """Add unit price and cost columns (company currency).

        ``window``: (first month, first month after) of the history a
        realised price is read on; the cycle's last forecast run's when None.
        ``realised``: those prices by product when the caller has them.
        """
        company = self.company_id
        products = products.with_company(company)
        cost = dict(zip(products.ids, products.mapped("standard_price"), strict=True))
        pricelist = company.sop_pricelist_id
        if pricelist:
            prices = pricelist._get_products_price(
                products, quantity=1.0, currency=company.currency_id
            )
        else:
            prices = dict(zip(products.ids, products.mapped("lst_price"), strict=True))
        window = window or (self.date_history_from, self.date_history_to)
        if company.sop_price_source == "average" and window[1]:
            if realised is None:
                realised = self._average_prices(products, window)
            prices = {pid: realised.get(pid) or price for pid, price in prices.items()}
        lines["price"] = lines["product_id"].map(prices).astype(float).fillna(0.0)
        lines["cost"] = lines["product_id"].map(cost).astype(float).fillna(0.0)
        for column in ("price", "cost"):
            absurd = ~np.isfinite(lines[column]) | (
                lines[column].abs() > MAX_UNIT_MONEY
            )
            if absurd.any():
                _logger.warning(
                    "S&OP cycle %s: unit %s of product(s) %s beyond %g, valued at 0",
                    self.name,
                    column,
                    sorted(set(lines.loc[absurd, "product_id"].tolist()))[:10],
                    MAX_UNIT_MONEY,
                )
                lines.loc[absurd, column] = 0.0
        return lines

    def _line_money(self, lines):
        """Revenue, cost, margin and inventory value of ``lines`` in the
        currency's rounding, as ``sop.plan.line._compute_finance`` stores
        them: written with the projection, so that ``_sql_recompute`` (exact
        numeric rounding) rewrites only the few lines whose rounding of a
        half cent differs, not every line a second time."""
        currency = self.company_id.currency_id
        decimals = currency.decimal_places

        def rounded(values):
            return np.round(
                np.round(values / currency.rounding) * currency.rounding, decimals
            )

        revenue = rounded(lines["consensus"] * lines["price"])
        cost = rounded(lines["consensus"] * lines["cost"])
        return {
            "revenue": revenue,
            "cost": cost,
            "margin": np.round(revenue - cost, decimals),
            "inventory_value": rounded(
                lines["projected"].clip(lower=0.0) * lines["cost"]
            ),
        }

    def _average_prices(self, products, window):
        """Realised price per unit over the history ``window``, all warehouses."""
        history = self.env["sop.demand.history"]._extract(
            self.company_id, self._get_scope_warehouses(), products, *window
        )
        return realised_prices(history)

    def _capacity_load(self, lines, products, vendors, capacities=None):
        """Add ``capacity_load``: highest load (%) of the capacities of a line.

        Load = confirmed and planned receipts of all products under the
        capacity in that month (all warehouses) / monthly capacity; a zero
        capacity with receipts is 999 %. Adds ``receipts`` (of the line).
        ``capacities``: the company's, when the caller has read them.
        """
        lines["capacity_load"] = 0.0
        lines["receipts"] = lines["incoming"] + lines.get("planned_receipts", 0.0)
        if capacities is None:
            capacities = self.env["sop.capacity"].search(
                [("company_id", "=", self.company_id.id)]
            )
        for capacity in capacities:  # a few configuration records
            if capacity.categ_id:
                path = capacity.categ_id.parent_path
                members = products.filtered(
                    lambda p, path=path: (p.categ_id.parent_path or "").startswith(path)
                ).ids
            else:
                members = vendors.loc[
                    vendors["vendor_id"] == capacity.vendor_id.id, "product_id"
                ]
            mask = lines["product_id"].isin(members)
            if not mask.any():
                continue
            total = lines[mask].groupby("period")["receipts"].sum()
            if capacity.capacity_qty:
                load = total / capacity.capacity_qty * 100
            else:
                load = (total > 0) * 999.0
            lines.loc[mask, "capacity_load"] = np.maximum(
                lines.loc[mask, "capacity_load"],
                lines.loc[mask, "period"].map(load).fillna(0.0),
            )
        return lines

    def _write_forecast_supply(self, lines, products, sources, per_product, per_vendor):
        """Source, lead time, reliability and flag counts on sop.forecast.

        Vendor, its terms and purchase reliability for bought items only;
        resupplied items get their transfers' reliability instead.
        ``per_product`` and ``per_vendor``: the purchase reliability of the
        products and their vendors (``_supply_prepare``).
        """
        date_from = self._reliability_from()
        summary = (
            lines.groupby(KEYS)
            .agg(
                on_hand_qty=("on_hand", "first"),
                shortage_months=("shortage", "sum"),
                excess_months=("excess", "sum"),
            )
            .reset_index()
        )
        summary = summary.merge(sources, on=KEYS, how="left")
        summary = self._merge_reliability(
            summary, per_product, per_vendor, date_from, products
        )
        Forecast = self.env["sop.forecast"]
        Forecast.flush_model(["cycle_id", "product_id", "warehouse_id"])
        ids = {
            (product_id, warehouse_id): fid
            for fid, product_id, warehouse_id in self.env.execute_query(
                Forecast._search(
                    [("cycle_id", "=", self.id), ("product_id", "in", products.ids)]
                ).select("id", "product_id", "warehouse_id")
            )
        }
        summary["fid"] = [
            ids.get(k)
            for k in zip(summary["product_id"], summary["warehouse_id"], strict=True)
        ]
        summary = summary.dropna(subset=["fid"])
        summary["note"] = [
            self._supply_note(vendor, lead, route)
            for vendor, lead, route in zip(
                summary["vendor_id"],
                summary["lead_time"],
                summary["route"],
                strict=True,
            )
        ]
        summary["source"] = self._source_labels(summary)

        def col(name, default=None):
            return (
                [None if pd.isna(v) else v for v in summary[name]]
                if name in summary
                else [default] * len(summary)
            )

        bulk_update(
            self.env["sop.forecast"],
            summary["fid"].astype(int).tolist(),
            {
                "on_hand_qty": col("on_hand_qty"),
                "supply_route": col("route"),
                "source_warehouse_id": [
                    None if pd.isna(v) else int(v)
                    for v in summary["source_warehouse_id"]
                ],
                "supply_source": summary["source"].tolist(),
                "vendor_id": [
                    None if pd.isna(v) else int(v) for v in summary["vendor_id"]
                ],
                "lead_time_days": [
                    None if pd.isna(v) else int(v) for v in summary["lead_time"]
                ],
                "moq": col("moq"),
                "order_multiple": col("multiple"),
                "delay_mean": col("delay_mean"),
                "delay_std": col("delay_std"),
                "otif_rate": col("otif_rate"),
                "vendor_delay_mean": col("vendor_delay_mean"),
                "vendor_delay_std": col("vendor_delay_std"),
                "vendor_otif_rate": col("vendor_otif_rate"),
                "supply_note": summary["note"].tolist(),
                "shortage_months": summary["shortage_months"].astype(int).tolist(),
                "excess_months": summary["excess_months"].astype(int).tolist(),
            },
            only_changed=True,
        )

    def _merge_reliability(self, summary, per_product, per_vendor, date_from, products):
        """Transfer reliability on resupplied rows, purchase reliability on others."""
        moved = summary["route"] == "resupply"
        resupplied = summary[moved]
        # typed ids: an empty frame read back from a chunk's payload is not
        summary = summary[~moved].merge(
            per_product.astype({"product_id": int}), on="product_id", how="left"
        )
        summary = summary.merge(
            per_vendor.astype({"vendor_id": float}), on="vendor_id", how="left"
        )
        if not resupplied.empty:
            data = self.env["sop.supply.data"]
            transfers = data._transfer_receipts(
                self.company_id,
                self.env["stock.warehouse"].browse(
                    resupplied["warehouse_id"].unique().tolist()
                ),
                products,
                date_from,
                self.date_month,
            )
            reliability = data._reliability(transfers, list(KEYS))
            resupplied = resupplied.merge(reliability, on=KEYS, how="left")
            summary = pd.concat([summary, resupplied], ignore_index=True)
        return summary

    def _source_labels(self, summary):
        """'from WH1, 2 days' / 'Vendor, 30 days' per summary row."""
        warehouses = self.env["stock.warehouse"].browse(
            summary["source_warehouse_id"].dropna().astype(int).unique().tolist()
        )
        vendors = self.env["res.partner"].browse(
            summary["vendor_id"].dropna().astype(int).unique().tolist()
        )
        # read once for all the rows
        warehouses.mapped("code")
        vendors.mapped("display_name")
        label = self.env["sop.forecast"]._supply_source_label
        return [
            label(
                route,
                warehouses.browse(None if pd.isna(source) else int(source)),
                vendors.browse(None if pd.isna(vendor) else int(vendor)),
                None if pd.isna(lead) else int(lead),
            )
            for route, source, vendor, lead in zip(
                summary["route"],
                summary["source_warehouse_id"],
                summary["vendor_id"],
                summary["lead_time"],
                strict=True,
            )
        ]

    def _supply_note(self, vendor, lead_time, route="buy"):
        if route in ("resupply", "manufacture"):
            return None
        if route == "none" and not pd.isna(vendor):
            return self.env._(
                "No route: Odoo would neither buy, resupply nor manufacture "
                "this product here."
            )
        if pd.isna(vendor):
            return self.env._("No vendor in the purchase pricelist: lead time unknown.")
        if not lead_time:
            return self.env._("Vendor lead time is 0 days: check the vendor pricelist.")
        if lead_time > MAX_LEAD_TIME_DAYS:
            return self.env._(
                "Vendor lead time of %s days is not plausible: check the vendor "
                "pricelist.",
                int(lead_time),
            )
        return None
