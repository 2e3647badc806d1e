import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import formatLang

from ..engine import KPI_COLUMNS, Scenario, demand_factor, scenario_items

# Fields that define a scenario: frozen with the cycle, reset the results.
DELTA_FIELDS = {
    "demand_pct",
    "category_line_ids",
    "price_pct",
    "lead_time_days",
    "capacity_pct",
    "service_level",
    "moq_pct",
}
# Changes in % that cannot go below -100 % (a quantity or price below zero).
PERCENT_FIELDS = ("demand_pct", "price_pct", "capacity_pct", "moq_pct")
# The largest lead time change in days, either way (a typo guard).
MAX_LEAD_TIME_CHANGE_DAYS = 365
# The engine's figures of a scenario, stored under the same names.
RESULT_FIELDS = tuple(name for name in KPI_COLUMNS if name != "scenario")
DIFF_FIELDS = tuple(name for name in RESULT_FIELDS if name != "cost_of_goods")


class SopScenario(models.Model):
    """A what-if overlay on a cycle's plan, scored by the engine's simulator.

    The deltas never copy the plan: scoring reads the cycle's forecasts and
    plan lines and applies them. Each cycle keeps one ``Base plan`` scenario
    without deltas, the reference of every comparison.
    """

    _name = "sop.scenario"
    _inherit = ["sop.frozen.mixin", "sop.run.fields.mixin"]
    _description = "S&OP Scenario"
    _order = "cycle_id, is_base desc, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    cycle_id = fields.Many2one(
        "sop.cycle", required=True, ondelete="cascade", index=True, check_company=True
    )
    cycle_scenario = fields.Char(
        string="Cycle and Scenario",
        compute="_compute_cycle_scenario",
        store=True,
        help="The scenario named with its cycle: the scenarios of cycles "
        "reviewed side by side (one per warehouse or product family) are "
        "listed apart, not added up.",
    )
    company_id = fields.Many2one(
        related="cycle_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    cycle_state = fields.Selection(related="cycle_id.state", string="Cycle Status")
    is_frozen = fields.Boolean(related="cycle_id.is_frozen")
    is_base = fields.Boolean(
        string="Base Plan",
        readonly=True,
        copy=False,
        help="The plan as is, without deltas.",
    )
    demand_pct = fields.Float(
        string="Demand (%)", help="Change of every item's demand: +10 = x 1.10."
    )
    category_line_ids = fields.One2many(
        "sop.scenario.category", "scenario_id", string="Demand per Category"
    )
    price_pct = fields.Float(string="Price (%)")
    lead_time_days = fields.Float(
        string="Lead Time (+ days)", help="Added to every vendor lead time."
    )
    capacity_pct = fields.Float(
        string="Capacity (%)",
        help="Change of the most units received per month, from the base plan's "
        "largest monthly receipts; 0 leaves receipts unlimited.",
    )
    service_level = fields.Float(
        string="Service Level (%)",
        help="Target of every item; 0 keeps the plan's targets.",
    )
    moq_pct = fields.Float(string="MOQ (%)", help="Change of every minimum order.")
    change_summary = fields.Char(
        string="Changes",
        compute="_compute_change_summary",
        help="What the scenario changes in the plan, in your language.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("scored", "Scored")],
        default="draft",
        copy=False,
        required=True,
        readonly=True,
    )
    date_scored = fields.Datetime(string="Scored On", readonly=True)
    # rates of several scenarios (a pivot's total) average, they do not add up
    fill_rate = fields.Float(
        readonly=True, aggregator="avg", help="Demand served from stock at once."
    )
    stockout_risk = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Share of item-months with at least one day short.",
    )
    avg_stock_value = fields.Monetary(string="Average Stock Value", readonly=True)
    revenue = fields.Monetary(readonly=True, help="Of the demand delivered.")
    cost_of_goods = fields.Monetary(readonly=True)
    margin = fields.Monetary(readonly=True)
    purchase_spend = fields.Monetary(
        readonly=True, help="Cash out for the simulated receipts over the horizon."
    )
    fill_rate_diff = fields.Float(
        string="Fill Rate vs Base", readonly=True, aggregator="avg"
    )
    stockout_risk_diff = fields.Float(
        string="Stockout Risk vs Base", readonly=True, aggregator="avg"
    )
    avg_stock_value_diff = fields.Monetary(string="Stock Value vs Base", readonly=True)
    revenue_diff = fields.Monetary(string="Revenue vs Base", readonly=True)
    margin_diff = fields.Monetary(string="Margin vs Base", readonly=True)
    purchase_spend_diff = fields.Monetary(string="Spend vs Base", readonly=True)
    month_ids = fields.One2many("sop.scenario.month", "scenario_id", readonly=True)

    _one_base_per_cycle = models.UniqueIndex(
        "(cycle_id) WHERE is_base", "A cycle has one base plan scenario."
    )
    # two of one name read as one in the dashboard (their figures added up)
    _one_name_per_cycle = models.UniqueIndex(
        "(cycle_id, name)",
        "A cycle has one scenario of each name: name this one differently.",
    )

    # the scores (``_store_scores``) and the base plan the scoring keeps
    # (a copy of it is an ordinary scenario)
    _sop_run_fields = frozenset(
        {*RESULT_FIELDS, *(f"{name}_diff" for name in DIFF_FIELDS)}
        | {"date_scored", "month_ids", "is_base"}
    )

    def _sop_run_name(self):
        return self.env._("scenario scoring")

    @api.depends("name", "cycle_id.name")
    def _compute_cycle_scenario(self):
        for scenario in self:
            scenario.cycle_scenario = f"{scenario.cycle_id.name}: {scenario.name}"

    @api.constrains(*PERCENT_FIELDS, "lead_time_days", "service_level")
    def _check_deltas(self):
        """Deltas the engine can plan with; checked when they are typed,
        not when the scoring of every scenario would stop on them."""
        for scenario in self:
            for name in PERCENT_FIELDS:
                if scenario[name] < -100:
                    raise ValidationError(
                        self.env._(
                            "Scenario %(scenario)s: %(field)s cannot go below "
                            "-100 %% (-100 %% already brings it to zero).",
                            scenario=scenario.name,
                            field=self._fields[name].get_description(self.env)[
                                "string"
                            ],
                        )
                    )
            if abs(scenario.lead_time_days) > MAX_LEAD_TIME_CHANGE_DAYS:
                raise ValidationError(
                    self.env._(
                        "Scenario %(scenario)s: the lead time change must be "
                        "between -%(days)s and +%(days)s days.",
                        scenario=scenario.name,
                        days=MAX_LEAD_TIME_CHANGE_DAYS,
                    )
                )
            if scenario.service_level and not 50 < scenario.service_level < 100:
                raise ValidationError(
                    self.env._(
                        "Scenario %(scenario)s: the service level must be above "
                        "50 %% and below 100 %%, or 0 to keep the plan's targets.",
                        scenario=scenario.name,
                    )
                )

    @api.depends(
        "is_base",
        "demand_pct",
        "category_line_ids.categ_id",
        "category_line_ids.demand_pct",
        "price_pct",
        "lead_time_days",
        "capacity_pct",
        "service_level",
        "moq_pct",
    )
    @api.depends_context("lang")
    def _compute_change_summary(self):
        for scenario in self:
            scenario.change_summary = scenario._change_words()

    def _change_words(self):
        """The scenario's deltas as one line in ``self.env``'s language
        ("demand +15 % in Pumps, lead time +14 days")."""
        self.ensure_one()
        env = self.env
        if self.is_base:
            return env._("the plan as it is")

        def number(value, signed=True):
            text = formatLang(env, value, digits=0 if float(value).is_integer() else 1)
            return f"+{text}" if signed and value > 0 else text

        parts = []
        if self.demand_pct:
            parts.append(env._("demand %s %%", number(self.demand_pct)))
        parts += [
            env._(
                "demand %(pct)s %% in %(category)s",
                pct=number(line.demand_pct),
                category=line.categ_id.display_name,
            )
            for line in self.category_line_ids
        ]
        if self.price_pct:
            parts.append(env._("price %s %%", number(self.price_pct)))
        if self.lead_time_days:
            parts.append(env._("lead time %s days", number(self.lead_time_days)))
        if self.capacity_pct:
            parts.append(env._("capacity %s %%", number(self.capacity_pct)))
        if self.service_level:
            parts.append(
                env._("service level %s %%", number(self.service_level, signed=False))
            )
        if self.moq_pct:
            parts.append(env._("MOQ %s %%", number(self.moq_pct)))
        return ", ".join(parts) or env._("no change")

    def copy_data(self, default=None):
        """Duplicate: the deltas under a name that says it is a copy, one its
        cycle has not got yet (a name is a scenario's own in its cycle)."""
        vals_list = super().copy_data(default)
        for scenario, vals in zip(self, vals_list, strict=True):
            if "name" in (default or {}):
                continue
            taken = set(
                self.search([("cycle_id", "=", vals["cycle_id"])]).mapped("name")
            )
            name, number = self.env._("%s (copy)", scenario.name), 1
            while name in taken:
                number += 1
                name = self.env._(
                    "%(name)s (copy %(number)s)", name=scenario.name, number=number
                )
            vals["name"] = name
        return vals_list

    def _frozen_exempt_fields(self):
        """The display order of the comparison list stays free."""
        return super()._frozen_exempt_fields() | {"sequence"}

    def write(self, vals):
        if DELTA_FIELDS & set(vals):
            if not self.env.su:  # the scoring reads them
                self.cycle_id._sop_check_no_run()
            if self.filtered("is_base"):
                raise UserError(self.env._("The base plan has no deltas to change."))
            self._check_not_chosen_for_approval()
            vals = dict(vals, state="draft")
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_base(self):
        if self.filtered("is_base") and not self.env.context.get("sop_drop_base"):
            raise UserError(self.env._("The base plan scenario cannot be deleted."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_chosen_for_approval(self):
        self._check_not_chosen_for_approval()

    def _check_not_chosen_for_approval(self):
        """The scenario an executive chose to approve with keeps the deltas
        they reviewed: changed or deleted, the approval would apply others."""
        if self.env.su:
            return
        chosen = self.filtered(
            lambda scenario: (
                not scenario.cycle_id.is_frozen
                and scenario.cycle_id.sudo().approved_scenario_id == scenario
            )
        )[:1]
        if chosen:
            raise UserError(
                self.env._(
                    "Scenario %(scenario)s is the one chosen to approve cycle "
                    "%(cycle)s: its deltas cannot change and it cannot be "
                    "deleted. An executive clears the choice first.",
                    scenario=chosen.name,
                    cycle=chosen.cycle_id.display_name,
                )
            )

    def action_score(self):
        """Score these scenarios' cycles: the base plan and every scenario."""
        return self.cycle_id.action_score_scenarios()

    def _engine_scenario(self):
        """The engine ``Scenario`` of this record's deltas."""
        self.ensure_one()
        return Scenario(
            name=self.name,
            demand_pct=self.demand_pct,
            category_demand_pct=self.category_line_ids._demand_by_category(),
            price_pct=self.price_pct,
            lead_time_days=self.lead_time_days,
            capacity_pct=self.capacity_pct or None,
            service_level=self.service_level / 100.0 if self.service_level else None,
            moq_pct=self.moq_pct,
        )

    # ------------------------------------------------------------------
    # Deltas applied to the inventory policies (approval with this scenario)
    # ------------------------------------------------------------------
    @api.model
    def _forecast_categories(self, forecasts):
        """The engine's ``category`` of each forecast: its category id."""
        return [str(forecast.product_id.categ_id.id) for forecast in forecasts]

    def _apply_to_items(self, items):
        """Policy ``items`` with this scenario's lead time, MOQ and service level."""
        self.ensure_one()
        overlaid = scenario_items(items, self._engine_scenario())
        return overlaid.drop(columns="unit_price")

    def _demand_factor(self, items):
        """This scenario's demand factor of each item (Series by item_id)."""
        self.ensure_one()
        forecasts = self.env["sop.forecast"].browse(items["item_id"].tolist())
        categories = pd.DataFrame(
            {
                "item_id": items["item_id"].to_numpy(),
                "category": self._forecast_categories(forecasts),
            }
        )
        return pd.Series(
            demand_factor(categories, self._engine_scenario()),
            index=categories["item_id"],
        )

    def _scale_demand(self, demand, items):
        """Policy ``demand`` (and its error scales) x this scenario's demand %."""
        scale = demand["item_id"].map(self._demand_factor(items)).fillna(1.0)
        return demand.assign(
            forecast=demand["forecast"] * scale,
            sigma=demand["sigma"] * scale,
            sigma_cum=demand["sigma_cum"] * scale,
        )

    def _store_scores(self, evaluation, base_kpis):
        """Write the KPIs, their change vs the base and the monthly money."""
        self.ensure_one()
        kpis = evaluation.kpis
        values = {
            name: 0.0 if pd.isna(kpis[name]) else kpis[name] for name in RESULT_FIELDS
        }
        for name in DIFF_FIELDS:
            diff = kpis[name] - base_kpis[name]
            values[f"{name}_diff"] = 0.0 if pd.isna(diff) else diff
        months = (
            evaluation.financial.groupby("period")[
                ["revenue", "margin", "inventory_value"]
            ]
            .sum()
            .join(evaluation.spend.groupby("period")["purchase_spend"].sum())
            .fillna(0.0)
        )
        self.month_ids.sudo().unlink()
        values.update(
            state="scored",
            date_scored=fields.Datetime.now(),
            month_ids=[
                fields.Command.create(
                    {
                        "date_month": period.date(),
                        "revenue": row.revenue,
                        "margin": row.margin,
                        "purchase_spend": row.purchase_spend,
                        "stock_value": row.inventory_value,
                    }
                )
                for period, row in months.iterrows()
            ],
        )
        self.sudo().write(values)  # scores: no user may type them
