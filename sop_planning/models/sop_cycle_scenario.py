import logging

import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine import BASE, EngineInputError, PlanInputs, evaluate_plan
from .sop_common import GROUP_EXECUTIVE, GROUP_PLANNER, GROUP_USER, filtered_action

# Simulated demand paths per item and their seed: every scenario of a cycle
# is scored on the same paths, so they differ by their deltas only.
SCENARIO_PATHS = 10
SCENARIO_SEED = 0
# Products x scored scenarios (base plan included) scored while the user
# waits (about 1 ms each); larger plans are scored by a background job.
SCORE_AT_ONCE_MAX = 10000
_logger = logging.getLogger(__name__)


class SopCycle(models.Model):
    """What-if scenarios of a cycle and the approval with one of them."""

    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    scenario_ids = fields.One2many(
        "sop.scenario", "cycle_id", string="Scenarios", groups=GROUP_USER
    )
    scenario_count = fields.Integer(
        compute="_compute_scenario_count", groups=GROUP_USER
    )
    scenario_scoring_queued = fields.Boolean(
        readonly=True,
        copy=False,
        groups=GROUP_USER,
        help="The scenarios of this large plan are being scored in the background.",
    )
    approved_scenario_id = fields.Many2one(
        "sop.scenario",
        string="Approve with Scenario",
        copy=False,
        tracking=True,
        ondelete="set null",
        groups=GROUP_USER,
        domain="[('cycle_id', '=', id), ('is_base', '=', False)]",
        help="Its deltas (demand, lead time, MOQ, service level) are applied to "
        "the inventory policies computed at approval. Set by an executive.",
    )

    def _frozen_exempt_fields(self):
        """The background-scoring flag is cleared on a cycle approved meanwhile."""
        return super()._frozen_exempt_fields() | {"scenario_scoring_queued"}

    @api.depends("scenario_ids")
    def _compute_scenario_count(self):
        counts = dict(
            self.env["sop.scenario"]._read_group(
                [("cycle_id", "in", self.ids)], ["cycle_id"], ["__count"]
            )
        )
        for cycle in self:
            cycle.scenario_count = counts.get(cycle, 0)

    @api.constrains("approved_scenario_id")
    def _check_approved_scenario(self):
        for cycle in self.filtered("approved_scenario_id"):
            if cycle.approved_scenario_id.cycle_id != cycle:
                raise ValidationError(
                    self.env._(
                        "Scenario %(scenario)s is not a scenario of cycle %(cycle)s.",
                        scenario=cycle.approved_scenario_id.name,
                        cycle=cycle.display_name,
                    )
                )

    def write(self, vals):
        if "approved_scenario_id" in vals:
            self._check_group(
                GROUP_EXECUTIVE, self.env._("choose the scenario to approve")
            )
            self._check_state("executive_review")
        return super().write(vals)

    def action_open_scenarios(self):
        """Open the scenario comparison of this cycle."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_scenario_action",
            [("cycle_id", "=", self.id)],
            {"default_cycle_id": self.id},
        )

    def action_open_scenario_months(self):
        """Open the monthly purchase spend and stock value per scenario."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_scenario_month_action",
            [("cycle_id", "=", self.id)],
        )

    def action_score_scenarios(self):
        """Score the base plan and every scenario of each cycle.

        Plans too large to score while the user waits are queued for the
        background job, which posts on the cycle when they are scored. The
        scenarios of a frozen (approved or closed) plan are not scored again.
        """
        what = self.env._("score S&OP scenarios")
        self._check_group(GROUP_PLANNER, what)
        self._check_not_frozen(what)
        for cycle in self:
            products = self.env["sop.forecast"].search_count(
                [("cycle_id", "=", cycle.id), ("state", "=", "ok")]
            )
            scored = len(cycle.scenario_ids.filtered(lambda s: not s.is_base)) + 1
            if products * scored <= SCORE_AT_ONCE_MAX:
                cycle._score_scenarios()
                continue
            cycle.sudo().scenario_scoring_queued = True
            cycle.message_post(
                body=self.env._(
                    "Scoring of %(products)s products x %(scenarios)s scenarios "
                    "queued by %(user)s: it runs in the background and is "
                    "posted here when done.",
                    products=products,
                    scenarios=scored,
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            self.env.ref("sop_planning.ir_cron_sop_score_scenarios")._trigger()
        return True

    @api.model
    def _cron_score_scenarios(self):
        """Background job: score the queued cycles, one commit each.

        A cycle that cannot be scored is unqueued with the reason posted on
        it; the other cycles go on.
        """
        domain = [("scenario_scoring_queued", "=", True)]
        for cycle in self.sudo().search(domain):
            try:
                with self.env.cr.savepoint():
                    cycle.with_company(cycle.company_id)._score_scenarios()
                    body = self.env._("Scenarios scored in the background.")
            except (UserError, EngineInputError) as exc:
                _logger.warning("S&OP cycle %s: scoring failed: %s", cycle.name, exc)
                body = self.env._("Scenario scoring failed: %s", exc)
            except Exception:  # noqa: BLE001 - logged; the queue goes on
                _logger.exception("S&OP cycle %s: scoring crashed", cycle.name)
                body = self.env._(
                    "Scenario scoring failed on an unexpected error: see the "
                    "server log."
                )
            cycle.scenario_scoring_queued = False
            cycle.message_post(body=body, subtype_xmlid="mail.mt_note")
            remaining = self.sudo().search_count(domain)
            if self.env["ir.cron"]._commit_progress(1, remaining=remaining) <= 0:
                break

    # ------------------------------------------------------------------
    # Scoring
    # ------------------------------------------------------------------
    def _on_plan_changed(self):
        """The plan changed: its scenario scores are outdated."""
        result = super()._on_plan_changed()
        self._outdate_scenario_scores()
        return result

    def _outdate_scenario_scores(self):
        """The plan changed: scored scenarios go back to draft until rescored."""
        scored = self.scenario_ids.filtered(lambda s: s.state == "scored")
        if scored:
            scored.sudo().write({"state": "draft"})

    def _base_scenario(self):
        """The cycle's base plan scenario, created when missing."""
        self.ensure_one()
        base = self.scenario_ids.filtered("is_base")
        if not base:
            base = self.env["sop.scenario"].create(
                {
                    "cycle_id": self.id,
                    "name": self.env._("Base plan"),
                    "is_base": True,
                    "sequence": 0,
                }
            )
        return base

    def _scenario_inputs(self):
        """Engine ``PlanInputs`` read from the cycle's forecasts and plan lines.

        Items are the forecasts the policies cover (vendor lead time known),
        with their price, category and stock on hand; demand is the consensus
        of the months ahead, as for the policies. The plan as is: no
        scenario's deltas (each scenario applies its own when scored).
        """
        self.ensure_one()
        forecasts = self.env["sop.forecast"].search([("cycle_id", "=", self.id)])
        items, _skipped = self._policy_items(forecasts)
        if items.empty:
            raise UserError(
                self.env._(
                    "Cycle %s has no forecast with a vendor lead time to score: "
                    "run the forecast and the supply review first.",
                    self.display_name,
                )
            )
        # floored at the plan lines' recent demand (approval reads it off the
        # sales history inside engine.planned_policy)
        demand = self._policy_stock_demand(items)
        demand = demand.rename(columns={"forecast": "qty"})
        # the plan's months only: a month before the plan (today's, for a cycle
        # prepared ahead) has no plan lines and would size lead-time demand
        # on nothing
        demand = demand[demand["period"] >= pd.Timestamp(self.date_month)]
        if demand.empty:
            raise UserError(
                self.env._("Cycle %s has no plan months ahead.", self.display_name)
            )
        forecasts = (
            self.env["sop.forecast"]
            .browse(items["item_id"].tolist())
            .with_company(self.company_id)
        )
        prices = dict(
            self.env["sop.plan.line"]._read_group(
                [("forecast_id", "in", forecasts.ids), ("price_unit", ">", 0)],
                ["forecast_id"],
                ["price_unit:avg"],
            )
        )
        items = items.assign(
            unit_price=[prices.get(f) or f.product_id.lst_price for f in forecasts],
            category=self.env["sop.scenario"]._forecast_categories(forecasts),
            on_hand=[max(f.on_hand_qty, 0.0) for f in forecasts],
        )
        return PlanInputs(items, demand, freq="M")

    def _score_scenarios(self):
        """Score base plan + scenarios on the same demand paths; store results."""
        self.ensure_one()
        self._check_not_frozen(self.env._("score S&OP scenarios"))
        base = self._base_scenario()
        others = self.scenario_ids.filtered(lambda s: not s.is_base)
        inputs = self._scenario_inputs()
        options = {"n_paths": SCENARIO_PATHS, "seed": SCENARIO_SEED}
        try:
            base_eval = evaluate_plan(inputs, BASE, **options)
            evaluations = [base_eval] + [
                evaluate_plan(inputs, s._engine_scenario(), base=base_eval, **options)
                for s in others
            ]
        except EngineInputError as exc:
            raise UserError(
                self.env._(
                    "Cycle %(cycle)s: the scenarios cannot be scored: %(error)s",
                    cycle=self.display_name,
                    error=exc,
                )
            ) from exc
        base_kpis = base_eval.kpis
        for scenario, evaluation in zip(base | others, evaluations, strict=True):
            scenario._store_scores(evaluation, base_kpis)
        return True
