import logging
from functools import partial

import pandas as pd

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine import BASE, PlanInputs, evaluate_plan, scenario_policy
from ..engine.scenario import PlanEvaluation, kpis_from_totals
from . import sop_step_run
from .sop_common import GROUP_EXECUTIVE, GROUP_PLANNER, GROUP_USER, filtered_action
from .sop_cycle_execution import ISOLATION_CALLS, isolate_failing_items
from .sop_scenario import DELTA_FIELDS

# Simulated demand paths per item and their seed: every scenario of a cycle
# is scored on the same paths, so they differ by their deltas only. The plan
# is scored in blocks of ``sop_step_run.CHUNK_SIZE`` products (block ``b``
# with seed ``SCENARIO_SEED + b``), in the request or one block per job, so
# both give the same scores; the policies of every block are planned once,
# on the whole cycle (``_scoring_prepare``).
SCENARIO_PATHS = 10
SCENARIO_SEED = 0
MONTH_FIGURES = ("revenue", "margin", "inventory_value", "purchase_spend")
# the columns of a policy the simulation reads: the prepare hands them over
SIMULATED_POLICY_COLUMNS = ("item_id", "reorder_point", "order_up_to", "multiple")

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

    # what the scenario the plan is approved with scored: the Summary's
    # supply and finance figures are the base plan's
    approved_scenario_state = fields.Selection(
        related="approved_scenario_id.state",
        string="Approved Scenario Status",
        groups=GROUP_USER,
    )
    approved_fill_rate = fields.Float(
        related="approved_scenario_id.fill_rate",
        string="Fill Rate (simulated)",
        groups=GROUP_USER,
    )
    approved_avg_stock_value = fields.Monetary(
        related="approved_scenario_id.avg_stock_value",
        string="Average Stock Value (simulated)",
        groups=GROUP_USER,
    )
    approved_margin = fields.Monetary(
        related="approved_scenario_id.margin",
        string="Margin (simulated)",
        groups=GROUP_USER,
    )
    approved_purchase_spend = fields.Monetary(
        related="approved_scenario_id.purchase_spend",
        string="Purchase Spend (simulated)",
        groups=GROUP_USER,
    )

    def copy_data(self, default=None):
        """A duplicate (next month's cycle, a re-plan) keeps the what-if
        scenarios to compare again, as drafts."""
        vals_list = super().copy_data(default)
        if "scenario_ids" not in (default or {}):
            for cycle, vals in zip(self, vals_list, strict=True):
                vals["scenario_ids"] = cycle._scenario_commands()
        return vals_list

    def _scenario_commands(self):
        """This cycle's what-if scenarios (not its base plan) as commands
        creating them on another cycle: their names and deltas, not their
        scores."""
        self.ensure_one()
        terms = ["name", "sequence", *(DELTA_FIELDS - {"category_line_ids"})]
        return [
            Command.create(
                {
                    **{name: scenario[name] for name in terms},
                    "category_line_ids": [
                        Command.create(
                            {
                                "categ_id": line.categ_id.id,
                                "demand_pct": line.demand_pct,
                            }
                        )
                        for line in scenario.category_line_ids
                    ],
                }
            )
            for scenario in self.scenario_ids.filtered(lambda s: not s.is_base)
        ]

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
            if cycle.approved_scenario_id.is_base:
                raise ValidationError(
                    self.env._(
                        "The base plan has no deltas to approve with: leave "
                        "the scenario empty to approve cycle %s as planned.",
                        cycle.display_name,
                    )
                )
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

        A step (``sop_step_run``): a large plan is scored by background jobs
        and the button returns at once. The scenarios of a frozen (approved
        or closed) plan are not scored again.
        """
        what = self.env._("score S&OP scenarios")
        self._check_group(GROUP_PLANNER, what)
        self._check_not_frozen(what)
        result = True
        for cycle in self:
            result = cycle._sop_run_step("scoring")
        return result if len(self) == 1 else True

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
            # the base flag is the scoring's, never a user's
            base = (
                self.env["sop.scenario"]
                .sudo()
                .create(
                    {
                        "cycle_id": self.id,
                        "name": self.env._("Base plan"),
                        "is_base": True,
                        "sequence": 0,
                    }
                )
                .with_env(self.env)
            )
        return base

    def _scenario_inputs(self, product_ids=None):
        """Engine ``PlanInputs`` read from the cycle's forecasts and plan lines.

        Items, demand and history as approval reads them
        (``_policy_inputs``), so each scenario is scored with the policies
        approval with its deltas would set (``engine.planned_policy``), plus
        the items' price, category and the stock the plan starts with (on
        hand less the demand before the plan); the demand is the
        consensus of the plan's months ahead. The plan as is: no
        scenario's deltas (each scenario applies its own when scored). With
        ``product_ids``, the forecasts of those products only, and None when
        none of them can be scored.
        """
        self.ensure_one()
        domain = [("cycle_id", "=", self.id)]
        if product_ids is not None:
            domain.append(("product_id", "in", list(product_ids)))
        forecasts = self.env["sop.forecast"].search(domain)
        items, _skipped, demand, history = self._policy_inputs(forecasts)
        if items.empty:
            if product_ids is not None:
                return None
            raise UserError(self._scenario_nothing_to_score())
        demand = self._with_own_sales(demand.rename(columns={"forecast": "qty"}))
        if demand.empty:
            if product_ids is not None:
                return None
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
        # the stock the plan starts with: today's less the demand before the
        # plan, as the supply review projects it (below zero: a backlog the
        # plan's receipts serve first)
        prior = dict(
            self.env["sop.plan.line"]._read_group(
                [
                    ("forecast_id", "in", forecasts.ids),
                    ("date_month", "=", self.date_month),
                ],
                ["forecast_id"],
                ["prior_demand_qty:sum"],
            )
        )
        items = items.assign(
            plan_adjusted=items["item_id"].isin(self._plan_adjusted_items(items)),
            unit_price=[prices.get(f) or f.product_id.lst_price for f in forecasts],
            category=self.env["sop.scenario"]._forecast_categories(forecasts),
            on_hand=[f.on_hand_qty - prior.get(f, 0.0) for f in forecasts],
            # a resupplied warehouse's receipts are transfers: no cash out
            purchased=[f.supply_route != "resupply" for f in forecasts],
        )
        return PlanInputs(items, demand, freq="M", history=history)

    def _with_own_sales(self, demand):
        """``demand`` (``_policy_demand``, ``qty``) with ``sales``: each
        item's own consensus. A warehouse's ``qty`` also carries what the
        warehouses it resupplies pull from it; their sales are counted as
        theirs, not twice in the revenue."""
        groups = self.env["sop.plan.line"]._read_group(
            [("forecast_id", "in", demand["item_id"].unique().tolist())],
            ["forecast_id", "date_month:month"],
            ["consensus_qty:sum"],
        )
        own = pd.DataFrame(
            [(forecast.id, month, qty) for forecast, month, qty in groups],
            columns=["item_id", "period", "sales"],
        )
        keys = demand[["item_id", "period"]]
        # the same kind of month on both sides (dates or timestamps)
        keys = keys.assign(
            period=pd.to_datetime(keys["period"]).astype("datetime64[ns]")
        )
        own["period"] = pd.to_datetime(own["period"]).astype("datetime64[ns]")
        sales = keys.merge(own, on=["item_id", "period"], how="left")["sales"]
        return demand.assign(sales=sales.fillna(0.0).to_numpy(float))

    def _scenario_nothing_to_score(self):
        return self.env._(
            "Cycle %s has no forecast with a vendor lead time to score: "
            "run the forecast and the supply review first.",
            self.display_name,
        )

    def _score_scenarios(self):
        """Score base plan + scenarios on the same demand paths; store results.

        The scoring step's three parts in this transaction.
        """
        self.ensure_one()
        product_ids, frames, info = self._scoring_prepare()
        counts = self._scoring_chunk(product_ids, frames)
        self._scoring_finalize(counts, info)
        return True

    # ------------------------------------------------------------------
    # Scoring as a step (sop_step_run.py)
    # ------------------------------------------------------------------
    def _scoring_prepare(self):
        """The products to score, their block, the scenarios (base first) and
        their policies.

        The policies are planned here for the whole plan, as approval plans
        them: the items of one pattern share their fill-rate target across
        the cycle, not within a block. Items the engine fails on are left
        out of every scenario's scores (``info["left_out"]``).
        """
        self.ensure_one()
        self._check_not_frozen(self.env._("score S&OP scenarios"))
        scenarios = self._base_scenario() | self.scenario_ids.filtered(
            lambda s: not s.is_base
        )
        product_ids = self._cycle_product_ids()
        if not product_ids:
            raise UserError(self._scenario_nothing_to_score())
        inputs = self._scenario_inputs()
        policies, left_out = self._scoring_policies(inputs, scenarios)
        if policies.empty:
            raise UserError(self._scenario_nothing_scored(left_out))
        frames = {
            "blocks": pd.DataFrame(
                {
                    "product_id": product_ids,
                    "block": [
                        n // sop_step_run.CHUNK_SIZE for n in range(len(product_ids))
                    ],
                }
            ),
            "scenarios": pd.DataFrame({"scenario_id": scenarios.ids}),
            "policies": policies,
        }
        info = {
            "scenario_ids": scenarios.ids,
            "left_out": {str(item): reason for item, reason in left_out.items()},
        }
        return product_ids, frames, info

    def _scoring_policies(self, inputs, scenarios):
        """Policies of the base plan and of each scenario that replans, planned
        on all ``inputs`` (``scenario_policy``); (frame, {forecast id: reason}).

        Rows ``product_id, scenario_id, item_id`` and what the simulation
        reads. An item the engine fails on in one scenario is left out of all
        (``isolate_failing_items``, as approval isolates them), so that every
        scenario is scored on the same items.
        """
        frames, left_out = [], {}
        for scenario in scenarios:
            engine_scenario = BASE if scenario.is_base else scenario._engine_scenario()
            if not engine_scenario.replan_policy:
                continue  # keeps the base plan's policies

            def plan(items, engine_scenario=engine_scenario):
                return scenario_policy(_inputs_of(inputs, items), engine_scenario)

            results, failed = isolate_failing_items(
                inputs.items, plan, [ISOLATION_CALLS]
            )
            left_out.update(failed)
            if results:
                policy = pd.concat(results, ignore_index=True)
                frames.append(
                    policy[list(SIMULATED_POLICY_COLUMNS)].assign(
                        scenario_id=scenario.id
                    )
                )
        if left_out:
            self._log_left_out(left_out)
        if not frames:
            return pd.DataFrame(columns=["item_id"]), left_out
        policies = pd.concat(frames, ignore_index=True)
        policies = policies[~policies["item_id"].isin(list(left_out))]
        forecasts = self.env["sop.forecast"].browse(inputs.items["item_id"].tolist())
        product_of = pd.Series(
            forecasts.mapped(lambda forecast: forecast.product_id.id),
            index=forecasts.ids,
        )
        return policies.assign(product_id=policies["item_id"].map(product_of)), left_out

    def _scoring_chunk(self, product_ids, frames):
        """Score the scenarios on the items of ``product_ids``, block by block,
        with the policies of the prepare.

        Writes nothing: returns the sums behind each scenario's KPIs and
        monthly money, keyed ``"<scenario id>|<figure>"`` and
        ``"<scenario id>|<month>|<figure>"``, which the finalize adds up, and
        ``"left_out|<forecast id>"`` of the items the engine failed on.
        """
        inputs = self._scenario_inputs(product_ids)
        if inputs is None:
            return {}
        policies = frames["policies"]
        policies = policies[policies["product_id"].isin(product_ids)]
        # an item left out by the prepare has no policy: not scored
        inputs = _inputs_of(
            inputs, inputs.items[inputs.items["item_id"].isin(policies["item_id"])]
        )
        scenarios = self.env["sop.scenario"].browse(
            frames["scenarios"]["scenario_id"].tolist()
        )
        base, others = scenarios[:1], scenarios[1:]
        policy_of = {
            scenario_id: rows.drop(columns=["scenario_id", "product_id"])
            for scenario_id, rows in policies.groupby("scenario_id")
        }
        product_of_item = pd.Series(
            self.env["sop.forecast"]
            .browse(inputs.items["item_id"].tolist())
            .mapped(lambda forecast: forecast.product_id.id),
            index=inputs.items["item_id"].to_numpy(),
        )
        block_of_product = frames["blocks"].set_index("product_id")["block"]
        item_block = product_of_item.map(block_of_product)
        engine_scenarios = [(s.id, s._engine_scenario()) for s in others]

        def score(items, seed):
            """Evaluations of the base plan and each scenario on ``items``."""
            part = _inputs_of(inputs, items)
            options = {"n_paths": SCENARIO_PATHS, "seed": seed}
            base_eval = evaluate_plan(
                part, BASE, policy=policy_of.get(base.id), **options
            )
            return [base_eval] + [
                evaluate_plan(
                    part,
                    scenario,
                    base=base_eval,
                    policy=policy_of.get(scenario_id),
                    **options,
                )
                for scenario_id, scenario in engine_scenarios
            ], len(items)

        counts = {"items": 0}
        for block, item_ids in item_block.groupby(item_block).groups.items():
            results, failed = isolate_failing_items(
                inputs.items[inputs.items["item_id"].isin(item_ids)],
                partial(score, seed=SCENARIO_SEED + int(block)),
                [ISOLATION_CALLS],
            )
            for evaluations, scored in results:
                counts["items"] += scored
                for scenario, evaluation in zip(
                    base | others, evaluations, strict=True
                ):
                    _add_scores(counts, scenario.id, evaluation)
            if failed:
                self._log_left_out(failed)
            counts.update({f"left_out|{item}": 1 for item in failed})
        return counts

    def _scoring_finalize(self, counts, info):
        """Store each scenario's KPIs and monthly money from the summed sums;
        tell the planner which items were left out of them."""
        left_out = {
            int(item): reason for item, reason in info.get("left_out", {}).items()
        }
        left_out.update(
            {
                int(key.split("|")[1]): None
                for key in counts
                if key.startswith("left_out|")
            }
        )
        if not counts.get("items"):
            raise UserError(self._scenario_nothing_scored(left_out))
        scenarios = self.env["sop.scenario"].browse(info["scenario_ids"]).exists()
        evaluations = [_summed_evaluation(counts, s.id, s.name) for s in scenarios]
        base_kpis = evaluations[0].kpis
        for scenario, evaluation in zip(scenarios, evaluations, strict=True):
            scenario._store_scores(evaluation, base_kpis)
        if left_out:
            self.message_post(body=self._scenario_left_out_note(left_out))
        return True

    def _log_left_out(self, left_out):
        """Log the items the engine failed on while scoring, with a reason."""
        _logger.warning(
            "S&OP cycle %s: %s item(s) left out of the scenario scores, the "
            "engine failed on them (e.g. %s): %s",
            self.name,
            len(left_out),
            list(left_out)[:5],
            next(iter(left_out.values())),
        )

    def _scenario_left_out_note(self, left_out):
        """The planner's note: the products left out of the scores and why
        (``left_out``: {forecast id: reason or None})."""
        forecasts = self.env["sop.forecast"].browse(list(left_out)).exists()
        names = []
        for forecast in forecasts[:10]:
            name = self.env._(
                "%(product)s in %(warehouse)s",
                product=forecast.product_id.display_name,
                warehouse=forecast.warehouse_id.code or forecast.warehouse_id.name,
            )
            reason = left_out[forecast.id]
            names.append(f"{name} ({reason})" if reason else name)
        names = ", ".join(names)
        if len(forecasts) > 10:
            names += self.env._(" and %s more", len(forecasts) - 10)
        return self.env._(
            "Scenario scoring: %(count)s product(s) left out of the scores, the "
            "policy engine could not plan them: %(names)s.",
            count=len(forecasts),
            names=names,
        )

    def _scenario_nothing_scored(self, left_out):
        if not left_out:
            return self._scenario_nothing_to_score()
        return self.env._(
            "Cycle %(cycle)s: no product could be scored. %(note)s",
            cycle=self.display_name,
            note=self._scenario_left_out_note(left_out),
        )


def _inputs_of(inputs, items):
    """``inputs`` restricted to ``items`` (rows of its items)."""
    if len(items) == len(inputs.items):
        return inputs
    ids = items["item_id"]
    history = inputs.history
    if history is not None:
        # item 0: the calendar row of every month (_policy_history)
        history = history[history["item_id"].isin(ids) | (history["item_id"] == 0)]
    return PlanInputs(
        items.reset_index(drop=True),
        inputs.demand[inputs.demand["item_id"].isin(ids)],
        freq=inputs.freq,
        history=history,
    )


def _add_scores(counts, scenario_id, evaluation):
    """Add one evaluation's KPI sums and monthly money to ``counts``."""
    for key, value in evaluation.totals.items():
        counts[f"{scenario_id}|{key}"] = counts.get(f"{scenario_id}|{key}", 0.0) + value
    months = (
        evaluation.financial.groupby("period")[["revenue", "margin", "inventory_value"]]
        .sum()
        .join(evaluation.spend.groupby("period")["purchase_spend"].sum())
        .fillna(0.0)
    )
    for period, row in months.iterrows():
        for name in MONTH_FIGURES:
            key = f"{scenario_id}|{period:%Y-%m-%d}|{name}"
            counts[key] = counts.get(key, 0.0) + float(row[name])


def _summed_evaluation(counts, scenario_id, name):
    """A ``PlanEvaluation`` (KPIs and monthly money) of the summed ``counts``."""
    prefix = f"{scenario_id}|"
    totals, months = {}, {}
    for key, value in counts.items():
        if not key.startswith(prefix):
            continue
        parts = key[len(prefix) :].split("|")
        if len(parts) == 1:
            totals[parts[0]] = value
        else:
            months.setdefault(parts[0], {})[parts[1]] = value
    kpis = kpis_from_totals(name, totals)
    kpis["purchase_spend"] = totals["purchase_spend"]
    frame = pd.DataFrame(
        [{"period": pd.Timestamp(month), **values} for month, values in months.items()],
        columns=["period", *MONTH_FIGURES],
    ).fillna(0.0)
    return PlanEvaluation(
        kpis,
        policy=None,
        supply=None,
        financial=frame[["period", "revenue", "margin", "inventory_value"]],
        spend=frame[["period", "purchase_spend"]],
        totals=totals,
    )
