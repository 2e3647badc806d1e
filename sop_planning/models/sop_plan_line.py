from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, formatLang

from .sop_bulk import bulk_insert, bulk_update, none_if_nan, product_templates
from .sop_common import (
    MAX_ADJUSTMENT_PERCENT,
    MAX_ADJUSTMENT_QTY,
    adjustment_out_of_bounds,
    adjustment_problem,
    check_recorded_not_typed,
    typed_number,
)

# Computed fields that _sql_recompute stores in one statement.
SQL_RECOMPUTED_FIELDS = (
    "adjustment_qty",
    "consensus_qty",
    "fva_qty",
    "revenue",
    "cost",
    "margin",
    "inventory_value",
)

REASONS = [
    ("promotion", "Promotion / Campaign"),
    ("customer", "Customer Information"),
    ("launch", "New Product / Launch"),
    ("phase_out", "Phase-out"),
    ("market", "Market Trend"),
    ("one_off", "One-off Order"),
    ("correction", "History Correction"),
    ("other", "Other"),
]
ADJUSTMENT_FIELDS = {
    "adjustment_mode",
    "adjustment_qty",
    "adjustment_percent",
    "adjustment_reason",
    "adjustment_note",
}
# who adjusted and when: recorded with each adjustment (and the planner's
# forecast value added in the accuracy ledger), never typed
ADJUSTMENT_AUTHOR_FIELDS = ("adjusted_by_id", "date_adjusted")
# what a line brought forward from the last approved plan takes as it was
CARRIED_FIELDS = (
    "adjustment_percent",
    "adjustment_reason",
    "adjustment_note",
    *ADJUSTMENT_AUTHOR_FIELDS,
)


class SopPlanLine(models.Model):
    """Demand, supply and money of one product in one warehouse for one month.

    Planners adjust ``adjustment_qty`` (or a percent of the statistical
    forecast); ``consensus_qty`` = max(0, forecast + adjustment). Each line
    keeps who adjusted it last, when and why; the cycle's chatter gets one
    summary per save (lines are too many to be mail threads themselves).
    """

    _name = "sop.plan.line"
    _inherit = ["sop.frozen.mixin", "sop.run.fields.mixin"]
    _description = "S&OP Plan Line"
    _order = "cycle_id, product_id, warehouse_id, date_month"
    _check_company_auto = True
    _rec_name = "product_id"

    cycle_id = fields.Many2one(
        "sop.cycle", required=True, ondelete="cascade", index=True, check_company=True
    )
    forecast_id = fields.Many2one(
        "sop.forecast", ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", store=True, index=True
    )
    categ_id = fields.Many2one(related="product_id.categ_id", store=True)
    uom_id = fields.Many2one(related="product_id.uom_id")
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, check_company=True
    )
    date_month = fields.Date(string="Month", required=True, index=True)
    cycle_state = fields.Selection(related="cycle_id.state")
    # demand
    history_qty = fields.Float(
        string="Last Year",
        digits="Product Unit",
        readonly=True,
        help="Demand of the same month one year earlier; empty when it is not "
        "known: that month is not over yet, out of the history window, or the "
        "product was out of stock in it.",
    )
    history_known = fields.Boolean(
        string="Last Year Known",
        compute="_compute_history_known",
        help="The demand of the same month one year earlier is known.",
    )
    forecast_qty = fields.Float(
        string="Statistical", digits="Product Unit", readonly=True
    )
    lower_qty = fields.Float(string="Low", digits="Product Unit", readonly=True)
    upper_qty = fields.Float(string="High", digits="Product Unit", readonly=True)
    sigma_cum = fields.Float(
        string="Cumulative Error",
        digits="Product Unit",
        readonly=True,
        help="Standard deviation of the statistical forecast summed from the "
        "forecast's first month to this one (level shifts included); sizes "
        "safety stock over lead times longer than a month.",
    )
    adjustment_mode = fields.Selection(
        [("qty", "Quantity"), ("percent", "Percent")], default="qty", required=True
    )
    adjustment_percent = fields.Float(string="Adjustment (%)")
    adjustment_qty = fields.Float(
        string="Adjustment",
        digits="Product Unit",
        compute="_compute_adjustment_qty",
        store=True,
        readonly=False,
    )
    adjustment_reason = fields.Selection(REASONS, string="Reason")
    adjustment_note = fields.Char(string="Reason Note")
    adjusted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    date_adjusted = fields.Datetime(string="Adjusted On", readonly=True, copy=False)
    consensus_qty = fields.Float(
        string="Consensus",
        digits="Product Unit",
        compute="_compute_consensus_qty",
        store=True,
    )
    actual_qty = fields.Float(
        string="Actual",
        digits="Product Unit",
        readonly=True,
        help="Demand recorded for the month once it is over.",
    )
    has_actual = fields.Boolean(readonly=True)
    fva_qty = fields.Float(
        string="Forecast Value Added",
        digits="Product Unit",
        compute="_compute_fva_qty",
        store=True,
        help="|actual - statistical| - |actual - consensus|: positive when the "
        "adjustment brought the plan closer to what happened.",
    )
    # supply
    incoming_qty = fields.Float(digits="Product Unit", readonly=True)
    committed_qty = fields.Float(
        string="Committed Out", digits="Product Unit", readonly=True
    )
    pulled_qty = fields.Float(
        string="Pulled by Other Warehouses",
        digits="Product Unit",
        readonly=True,
        help="What the warehouses resupplied from this one will pull from it "
        "this month: their consensus, a transfer's lead time earlier. The "
        "projection and the inventory policy plan it on top of the consensus.",
    )
    prior_demand_qty = fields.Float(
        string="Demand Before the Plan",
        digits="Product Unit",
        readonly=True,
        help="On the plan's first month only: the demand still expected "
        "between today and that month (this month's forecast less what has "
        "been delivered since it began, and the forecast of the months in "
        "between in full). By the time the plan starts it will have left "
        "today's stock: the projection takes it from today's stock in the "
        "first month. In a plan that starts this month it is negative: what "
        "has been delivered this month already left today's stock, so that "
        "part of the month's consensus is not taken twice.",
    )
    projected_on_hand = fields.Float(digits="Product Unit", readonly=True)
    is_shortage = fields.Boolean(
        string="Shortage",
        readonly=True,
        help="Projected below zero in a month that starts before an order "
        "placed today could arrive (vendor lead time), or without vendor.",
    )
    is_excess = fields.Boolean(string="Excess", readonly=True)
    capacity_load = fields.Float(
        string="Capacity Load (%)",
        readonly=True,
        aggregator="max",
        help="Highest load of the monthly capacities this product falls under.",
    )
    is_over_capacity = fields.Boolean(string="Over Capacity", readonly=True)
    # finance
    currency_id = fields.Many2one(related="company_id.currency_id")
    price_unit = fields.Float(string="Unit Price", readonly=True)
    cost_unit = fields.Float(string="Unit Cost", readonly=True)
    revenue = fields.Monetary(compute="_compute_finance", store=True)
    cost = fields.Monetary(compute="_compute_finance", store=True)
    margin = fields.Monetary(compute="_compute_finance", store=True)
    inventory_value = fields.Monetary(compute="_compute_finance", store=True)

    _line_unique = models.UniqueIndex(
        "(cycle_id, product_id, warehouse_id, date_month)",
        "A cycle has one plan line per product, warehouse and month.",
    )

    @api.depends("history_qty")
    def _compute_history_known(self):
        """Stored NULL means unknown; the ORM reads NULL as 0.0."""
        self.flush_recordset(["history_qty"])
        known = {
            line_id
            for (line_id,) in self.env.execute_query(
                SQL(
                    "SELECT id FROM sop_plan_line WHERE id = ANY(%s) "
                    "AND history_qty IS NOT NULL",
                    list(self._origin.ids),
                )
            )
        }
        for line in self:
            line.history_known = line._origin.id in known

    @api.depends("adjustment_mode", "adjustment_percent", "forecast_qty")
    def _compute_adjustment_qty(self):
        for line in self:
            if line.adjustment_mode == "percent":
                line.adjustment_qty = line.forecast_qty * line.adjustment_percent / 100

    @api.depends("forecast_qty", "adjustment_qty")
    def _compute_consensus_qty(self):
        for line in self:
            line.consensus_qty = max(line.forecast_qty + line.adjustment_qty, 0.0)

    @api.depends("actual_qty", "has_actual", "forecast_qty", "consensus_qty")
    def _compute_fva_qty(self):
        for line in self:
            line.fva_qty = (
                abs(line.actual_qty - line.forecast_qty)
                - abs(line.actual_qty - line.consensus_qty)
                if line.has_actual
                else 0.0
            )

    @api.depends("consensus_qty", "price_unit", "cost_unit", "projected_on_hand")
    def _compute_finance(self):
        for line in self:
            line.revenue = line.consensus_qty * line.price_unit
            line.cost = line.consensus_qty * line.cost_unit
            line.margin = line.revenue - line.cost
            line.inventory_value = max(line.projected_on_hand, 0.0) * line.cost_unit

    # the forecast run's statistics, the supply review's projection and
    # supply plan, the actuals, and what is computed from them
    _sop_run_fields = frozenset(
        {
            "history_qty",
            "forecast_qty",
            "lower_qty",
            "upper_qty",
            "sigma_cum",
            "consensus_qty",
            "actual_qty",
            "has_actual",
            "fva_qty",
            "incoming_qty",
            "committed_qty",
            "pulled_qty",
            "prior_demand_qty",
            "projected_on_hand",
            "is_shortage",
            "is_excess",
            "price_unit",
            "cost_unit",
            "revenue",
            "cost",
            "margin",
            "inventory_value",
            "planned_receipt_qty",
            "planned_on_hand",
            "purchase_spend",
            "planned_inventory_value",
        }
    )

    def _sop_run_name(self):
        return self.env._("the forecast run, the supply review or the actuals update")

    def _frozen_exempt_fields(self):
        """Actuals are facts, recorded on frozen plans too (FVA)."""
        return super()._frozen_exempt_fields() | {"actual_qty", "has_actual"}

    def _frozen_fixed_fields(self):
        """A line is one product, warehouse and month of its cycle."""
        return super()._frozen_fixed_fields() | {
            "forecast_id",
            "company_id",
            "product_id",
            "warehouse_id",
            "date_month",
        }

    @api.constrains(
        "adjustment_mode", "adjustment_percent", "adjustment_qty", "adjustment_reason"
    )
    def _check_adjustment(self):
        """An adjustment needs a reason, stays within its bounds (a finite
        number of units and percent, see ``adjustment_problem``) and cannot
        go below -100 %.

        Checked on the server whatever the way in (form, RPC, import); the
        list view asks for the reason too.
        """
        for line in self:
            problem = adjustment_problem(
                line.forecast_qty,
                line.adjustment_mode,
                line.adjustment_qty,
                line.adjustment_percent,
                line.adjustment_reason,
                line.uom_id.rounding or 0.01,
            )
            if not problem:
                continue
            month = line.date_month.strftime("%Y-%m") if line.date_month else ""
            if problem == "out_of_bounds":
                line._raise_out_of_bounds(
                    line.adjustment_qty,
                    line.adjustment_percent if line.adjustment_mode == "percent" else 0,
                )
            if problem == "below_minus_100":
                raise ValidationError(
                    self.env._(
                        "Plan line %(product)s, %(month)s: an adjustment below "
                        "-100 %% of the statistical forecast would plan negative "
                        "demand. Lower the plan to zero at most.",
                        product=line.product_id.display_name,
                        month=month,
                    )
                )
            raise ValidationError(
                self.env._(
                    "Plan line %(product)s, %(month)s: an adjustment needs a reason.",
                    product=line.product_id.display_name,
                    month=month,
                )
            )

    def _check_adjustment_numbers(self, vals):
        """Refuse an absurd adjustment number as given, before the ORM
        rounds it (infinity or NaN cannot even be rounded), and a reason
        that is not one of the list (the ORM's error is a traceback)."""
        qty, percent = vals.get("adjustment_qty"), vals.get("adjustment_percent")
        if adjustment_out_of_bounds(qty, percent):
            self._raise_out_of_bounds(qty, percent)
        reason = vals.get("adjustment_reason")
        if reason and reason not in dict(REASONS):
            # the reasons in the reader's words
            reasons = dict(
                self._fields["adjustment_reason"]._description_selection(self.env)
            )
            raise ValidationError(
                self.env._(
                    "Unknown reason %(reason)s: use one of %(reasons)s.",
                    reason=reason,
                    reasons=", ".join(
                        f"{key} ({label})" for key, label in reasons.items()
                    ),
                )
            )

    def _raise_out_of_bounds(self, qty, percent):
        """The error of an adjustment of ``qty`` units or ``percent`` % of
        the first line of ``self`` (a line being created: its product only)
        that is out of bounds."""
        line = self[:1]
        unit = line.uom_id.name or line.product_id.uom_id.name
        given = (
            f"{typed_number(self.env, float(percent))} %"
            if adjustment_out_of_bounds(0.0, percent)
            else f"{typed_number(self.env, float(qty or 0.0))} {unit}"
        )
        raise ValidationError(
            self.env._(
                "Plan line %(product)s, %(month)s: an adjustment of %(given)s is "
                "out of bounds. Adjust by at most %(max_qty)s %(unit)s either "
                "way, or by -100 %% to %(max_percent)s %% of the statistical "
                "forecast.",
                product=line.product_id.display_name,
                month=line.date_month.strftime("%Y-%m") if line.date_month else "",
                given=given,
                unit=unit,
                max_qty=formatLang(self.env, MAX_ADJUSTMENT_QTY, digits=0),
                max_percent=formatLang(self.env, MAX_ADJUSTMENT_PERCENT, digits=0),
            )
        )

    def _check_adjustable(self):
        """Plan lines are adjusted in demand review only.

        Enforced on the server whatever the way in (form, RPC, import); a
        frozen cycle is left to the freeze rule and its own message.
        """
        closed = self.cycle_id.filtered(
            lambda cycle: cycle.state != "demand_review" and not cycle.is_frozen
        )[:1]
        if closed:
            raise UserError(
                self.env._(
                    "Cycle %(cycle)s is in %(state)s: demand is adjusted in the "
                    "Demand Review step only.",
                    cycle=closed.display_name,
                    state=closed._state_label(closed.state),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self.new(
                {key: vals[key] for key in ("product_id", "date_month") if key in vals}
            )._check_adjustment_numbers(vals)
        typed = set().union(*vals_list)
        check_recorded_not_typed(
            self, [name for name in ADJUSTMENT_AUTHOR_FIELDS if name in typed]
        )
        # the cycle's company, as the forecast run writes it
        cycles = self.env["sop.cycle"].browse(
            {vals["cycle_id"] for vals in vals_list if vals.get("cycle_id")}
        )
        company_of = {cycle.id: cycle.company_id.id for cycle in cycles.sudo()}
        vals_list = [
            vals
            if vals.get("company_id") or not vals.get("cycle_id")
            else dict(vals, company_id=company_of[vals["cycle_id"]])
            for vals in vals_list
        ]
        given = ADJUSTMENT_FIELDS - {"adjustment_mode"}
        adjusted = [any(vals.get(name) for name in given) for vals in vals_list]
        now = fields.Datetime.now()
        lines = super().create(
            [
                dict(vals, adjusted_by_id=self.env.uid, date_adjusted=now)
                if is_adjusted
                else vals
                for vals, is_adjusted in zip(vals_list, adjusted, strict=True)
            ]
        )
        lines.browse(
            [
                line.id
                for line, is_adjusted in zip(lines, adjusted, strict=True)
                if is_adjusted
            ]
        )._check_adjustable()
        if not self.env.su:
            lines._check_placement()
        return lines

    def _check_placement(self):
        """A line a user creates belongs to a forecast of the cycle, of its
        product and warehouse, in a month of the plan (the forecast run
        places its own lines; a line elsewhere, or of a product the cycle
        does not plan, would be projected, bought and measured)."""
        months_of = {cycle: cycle._plan_months() for cycle in self.cycle_id}
        for line in self:
            forecast = line.forecast_id
            if (forecast.cycle_id, forecast.product_id, forecast.warehouse_id) != (
                line.cycle_id,
                line.product_id,
                line.warehouse_id,
            ):
                raise UserError(
                    self.env._(
                        "A plan line of %(product)s at %(warehouse)s must belong "
                        "to that product's forecast in the same cycle and "
                        "warehouse (not %(forecast)s): the forecast run plans "
                        "the products of the cycle's scope.",
                        product=line.product_id.display_name,
                        warehouse=line.warehouse_id.display_name,
                        forecast=forecast.display_name,
                    )
                )
            months = months_of[line.cycle_id]
            if line.date_month not in months:
                raise UserError(
                    self.env._(
                        "%(month)s is not a month of the plan of %(cycle)s: plan "
                        "lines start on the first of a month from %(first)s to "
                        "%(last)s.",
                        month=line.date_month,
                        cycle=line.cycle_id.display_name,
                        first=months[0],
                        last=months[-1],
                    )
                )

    def write(self, vals):
        check_recorded_not_typed(
            self, [name for name in ADJUSTMENT_AUTHOR_FIELDS if name in vals]
        )
        adjusted = ADJUSTMENT_FIELDS & set(vals)
        if adjusted:
            self._check_adjustable()
            self._check_adjustment_numbers(vals)
            vals = dict(
                vals,
                adjusted_by_id=self.env.uid,
                date_adjusted=fields.Datetime.now(),
            )
            if "adjustment_qty" in vals and "adjustment_mode" not in vals:
                vals["adjustment_mode"] = "qty"
        result = super().write(vals)
        # a batch (the workbook import) posts one summary for all its writes
        if adjusted and not self.env.context.get("sop_adjustment_batch"):
            self._post_adjustment_summary()
            self.cycle_id._on_plan_changed()
        return result

    @api.model
    def _sql_recompute(self, cycle, product_ids=None):
        """Recompute the stored computed columns of a cycle's lines in SQL.

        Mirrors ``_compute_adjustment_qty``, ``_compute_consensus_qty``,
        ``_compute_fva_qty`` and ``_compute_finance`` for bulk refreshes,
        rounded as the ORM stores them: quantities to the 'Product Unit'
        precision, money to the rounding of the company's currency
        (``test_bulk_sql`` compares both on random lines). Pending ORM writes
        are flushed first; the cache is invalidated without a second flush.
        ``product_ids``: only these products' lines (a chunk of a run).
        Lines whose columns already hold the values are not rewritten.
        """
        self.flush_model()
        digits = self._fields["consensus_qty"].get_digits(self.env)[1]
        self.env.cr.execute(
            SQL(
                """
                UPDATE sop_plan_line line
                   SET adjustment_qty = c.adj,
                       consensus_qty = c.cons,
                       fva_qty = c.fva,
                       revenue = c.revenue,
                       cost = c.cost,
                       margin = c.revenue - c.cost,
                       inventory_value = c.inventory_value
                  FROM (
                    SELECT id, adj, cons,
                           CASE WHEN has_actual
                               THEN ROUND(ABS(actual - fc) - ABS(actual - cons),
                                          %(digits)s)
                               ELSE 0 END AS fva,
                           ROUND((cons * price)::numeric / rounding) * rounding
                               AS revenue,
                           ROUND((cons * cost)::numeric / rounding) * rounding
                               AS cost,
                           ROUND((GREATEST(projected, 0) * cost)::numeric
                                 / rounding) * rounding AS inventory_value
                      FROM (
                        SELECT id, fc, adj, actual, has_actual, price, cost,
                               projected, rounding,
                               ROUND(GREATEST(fc + adj, 0), %(digits)s) AS cons
                          FROM (
                            SELECT pl.id, COALESCE(pl.forecast_qty, 0) AS fc,
                                   CASE WHEN pl.adjustment_mode = 'percent'
                                        THEN ROUND((COALESCE(pl.forecast_qty, 0)
                                             * COALESCE(pl.adjustment_percent, 0)
                                             / 100)::numeric, %(digits)s)
                                        ELSE COALESCE(pl.adjustment_qty, 0)
                                   END AS adj,
                                   COALESCE(pl.actual_qty, 0) AS actual,
                                   COALESCE(pl.price_unit, 0) AS price,
                                   COALESCE(pl.cost_unit, 0) AS cost,
                                   pl.has_actual,
                                   COALESCE(pl.projected_on_hand, 0) AS projected,
                                   cur.rounding::numeric AS rounding
                              FROM sop_plan_line pl
                              JOIN res_company co ON co.id = pl.company_id
                              JOIN res_currency cur ON cur.id = co.currency_id
                             WHERE pl.cycle_id = %(cycle)s
                               AND (%(all)s OR pl.product_id = ANY(%(products)s))
                          ) base
                      ) rounded
                  ) c
                 WHERE line.id = c.id
                   -- lines already right are left alone (a refresh)
                   AND (line.adjustment_qty, line.consensus_qty, line.fva_qty,
                        line.revenue, line.cost, line.margin, line.inventory_value)
                       IS DISTINCT FROM (c.adj, c.cons, c.fva, c.revenue, c.cost,
                                         c.revenue - c.cost, c.inventory_value)
                """,
                cycle=cycle.id,
                digits=digits,
                all=product_ids is None,
                products=list(product_ids or ()),
            )
        )
        self.invalidate_model(list(SQL_RECOMPUTED_FIELDS), flush=False)

    @api.model
    def _save_grid(
        self, cycle, grid, forecast_ids, kept=(), product_ids=None, carried=None
    ):
        """Write a forecast grid (product, warehouse, period, statistics);
        return how many inserted lines took a ``carried`` adjustment.

        Existing lines keyed by product x warehouse x month get the new
        statistics in place (their adjustments stay), missing ones are
        inserted, lines no longer forecast keep their adjustment and get a
        zero statistic, except those of the (product, warehouse) keys ``kept``.
        ``product_ids``: only these products' lines (a chunk of a run).
        ``carried``: adjustments (frame of the adjustment fields, who and
        when, by product, warehouse and ``date_month``) an inserted line of
        the same key takes, as its author made them. The caller recomputes
        the lines' consensus and money (``_sql_recompute``) once it has
        valued them.
        """
        Line = self
        Line.flush_model()
        existing = {
            (p, w, d): lid
            for lid, p, w, d in self.env.execute_query(
                Line._search(
                    [("cycle_id", "=", cycle.id)]
                    + ([("product_id", "in", product_ids)] if product_ids else [])
                ).select("id", "product_id", "warehouse_id", "date_month")
            )
            if (p, w) not in kept
        }
        grid["date"] = grid["period"].dt.date
        adjustments = _carried_by_key(carried)
        stat = ["forecast_qty", "lower_qty", "upper_qty", "history_qty", "sigma_cum"]
        update_ids, update_rows, new = [], [], []
        for row in grid.itertuples(index=False):
            key = (row.product_id, row.warehouse_id, row.date)
            values = [
                row.forecast_qty,
                row.lower_qty,
                row.upper_qty,
                row.history_qty,
                none_if_nan(row.sigma_cum),
            ]
            if key in existing:
                update_ids.append(existing.pop(key))
                update_rows.append(values)
            else:
                vals = dict(zip(stat, values, strict=True))
                vals["history_qty"] = none_if_nan(vals["history_qty"])
                vals.update(
                    cycle_id=cycle.id,
                    company_id=cycle.company_id.id,
                    forecast_id=forecast_ids.get((row.product_id, row.warehouse_id)),
                    product_id=row.product_id,
                    warehouse_id=row.warehouse_id,
                    date_month=row.date,
                )
                vals.update(adjustments.get(key, {}))
                new.append(vals)
        # lines no longer forecast keep their adjustment, the statistic goes to 0
        update_ids.extend(existing.values())
        update_rows.extend([[0.0, 0.0, 0.0, None, None]] * len(existing))
        if update_ids:
            columns = {name: [r[i] for r in update_rows] for i, name in enumerate(stat)}
            # a re-run that changed a few forecasts rewrites only their lines
            bulk_update(Line, update_ids, columns, only_changed=True)
        if new:
            self._insert_lines(new)
        cycle.invalidate_recordset(["plan_line_ids"])
        return sum(1 for vals in new if vals.get("adjustment_reason"))

    @api.model
    def _insert_lines(self, new):
        """Insert new plan lines in SQL batches (no per-record ORM work).

        Plan lines have no create side effect; their stored related fields
        are set here, and their stored computed fields to the values the
        computes give a line without adjustment, price or actual.
        """
        Line = self
        info = product_templates(self.env, {vals["product_id"] for vals in new})
        columns = {
            name: [vals[name] for vals in new]
            for name in (
                "cycle_id",
                "company_id",
                "forecast_id",
                "product_id",
                "warehouse_id",
                "date_month",
                "forecast_qty",
                "lower_qty",
                "upper_qty",
                "history_qty",
                "sigma_cum",
            )
        }
        columns["product_tmpl_id"] = [info[v["product_id"]][0] for v in new]
        columns["categ_id"] = [info[v["product_id"]][1] for v in new]
        # an adjustment brought forward as it was made; the caller's
        # _sql_recompute sets its quantity and consensus
        for name in CARRIED_FIELDS:
            columns[name] = [vals.get(name) for vals in new]
        columns["adjustment_mode"] = [
            vals.get("adjustment_mode", "qty") for vals in new
        ]
        columns["adjustment_qty"] = [vals.get("adjustment_qty", 0.0) for vals in new]
        # computed fields of a fresh line: no price, no actual; rounded as
        # _sql_recompute rounds them: a re-run then rewrites nothing
        digits = self._fields["consensus_qty"].get_digits(self.env)[1]
        columns["consensus_qty"] = [
            _numeric_round(max(v["forecast_qty"], 0.0), digits) for v in new
        ]
        for name in ("fva_qty", "revenue", "cost", "margin"):
            columns[name] = [0.0] * len(new)
        columns["inventory_value"] = [0.0] * len(new)
        bulk_insert(Line, columns)
        Line.invalidate_model()

    def _post_adjustment_summary(self):
        """Post one note per cycle: who adjusted how many lines, and why."""
        field = self._fields["adjustment_reason"]
        reason_labels = dict(field._description_selection(self.env))
        for cycle in self.cycle_id:
            lines = self.filtered(lambda line, c=cycle: line.cycle_id == c)
            # a line without a reason has no adjustment left (a reason is
            # required for one): its adjustment was cleared
            reasons = Counter(
                reason_labels.get(line.adjustment_reason, self.env._("cleared"))
                for line in lines
            )
            cycle.message_post(
                body=self.env._(
                    "%(user)s adjusted %(count)s plan line(s) (%(products)s "
                    "product(s)); consensus now %(total)s. Reasons: %(reasons)s",
                    user=self.env.user.name,
                    count=len(lines),
                    products=len(lines.product_id),
                    total=formatLang(
                        self.env, sum(lines.mapped("consensus_qty")), digits=2
                    ),
                    reasons=", ".join(f"{r} ({n})" for r, n in reasons.items()),
                ),
                subtype_xmlid="mail.mt_note",
            )


def _carried_by_key(carried):
    """{(product, warehouse, month): the adjustment's field values} of a
    frame of ``_previous_adjustments``; empty without one."""
    if carried is None or carried.empty:
        return {}
    frame = carried.astype(object).where(carried.notna(), None)
    adjustments = {}
    for row in frame.to_dict("records"):
        key = (
            int(row["product_id"]),
            int(row["warehouse_id"]),
            pd.Timestamp(row["date_month"]).date(),
        )
        when = row["date_adjusted"]
        author = row["adjusted_by_id"]
        adjustments[key] = {
            "adjustment_mode": row["adjustment_mode"] or "qty",
            "adjustment_qty": row["adjustment_qty"] or 0.0,
            "adjustment_percent": row["adjustment_percent"],
            "adjustment_reason": row["adjustment_reason"],
            "adjustment_note": row["adjustment_note"],
            "adjusted_by_id": int(author) if author else None,
            "date_adjusted": pd.Timestamp(when).to_pydatetime() if when else None,
        }
    return adjustments


def _numeric_round(value, digits):
    """``value`` rounded to ``digits`` as PostgreSQL's ``ROUND(numeric)``
    rounds the number stored from it (its shortest decimal text, halves away
    from zero)."""
    exact = Decimal(repr(float(value)))
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
