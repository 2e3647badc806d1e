"""The plan's policies replayed on the last 12 months, per ABC x XYZ class.

Shown to the executive before approval: what the policies of this plan would
have given (demand-weighted fill rate, average stock value) against the
company's reordering rules as they were before the plan (Odoo's own min /
max, replayed on the same months with the same simulator). Computed when
the cycle enters executive review and by the "Replay Policies" button.
"""

import logging

import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import EngineInputError, rule_backtest
from .sop_common import GROUP_PLANNER, GROUP_USER, stored_percent
from .sop_cycle_execution import BACKTEST_MONTHS
from .sop_forecast import ABC, XYZ

_logger = logging.getLogger(__name__)
REPLAY_STATES = ("reconciliation", "executive_review")
# a replay's sums, by the name of the rule_backtest column they come from
REPLAY_SUMS = {
    "served": "served",
    "demand": "demand",
    "value": "avg_stock_value",
}


class SopCyclePolicyBacktest(models.Model):
    """One ABC x XYZ class of a cycle: its policies and its former rules replayed."""

    _name = "sop.cycle.policy.backtest"
    _description = "S&OP Policy Backtest per Class"
    _order = "cycle_id, is_total, abc, xyz"

    cycle_id = fields.Many2one(
        "sop.cycle", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="cycle_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    is_total = fields.Boolean(string="All Classes", readonly=True)
    abc = fields.Selection(ABC, string="ABC", readonly=True)
    xyz = fields.Selection(XYZ, string="XYZ", readonly=True)
    item_count = fields.Integer(string="Policies", readonly=True)
    replayed_count = fields.Integer(
        string="Replayed",
        readonly=True,
        help="Policies with a year of history before the last 12 months and "
        "sales in them.",
    )
    target = fields.Float(
        string="Target (%)",
        readonly=True,
        help="Service level of the replayed policies, weighted by their demand: "
        "a cycle service level (no stockout in that share of order cycles) "
        "for most items, a fill rate for slow, lumpy and erratic ones (each "
        "policy's Target Type).",
    )
    promised_fill_rate = fields.Float(string="Promised Fill (%)", readonly=True)
    plan_fill_rate = fields.Float(
        string="Plan Fill (%)",
        readonly=True,
        help="Share of the last 12 months' demand the plan's policies would "
        "have served from stock, planned from the months before them only.",
    )
    plan_stock_value = fields.Monetary(string="Plan Avg. Stock Value", readonly=True)
    rule_count = fields.Integer(
        string="With a Rule Before",
        readonly=True,
        help="Replayed policies whose product had a reordering rule in the "
        "warehouse before the plan.",
    )
    rule_fill_rate = fields.Float(
        string="Rules Before: Fill (%)",
        readonly=True,
        help="The reordering rules as they were before the plan (their min / "
        "max), replayed on the same months with the same lead times.",
    )
    rule_stock_value = fields.Monetary(
        string="Rules Before: Avg. Stock Value", readonly=True
    )
    plan_fill_rate_ruled = fields.Float(
        string="Plan Fill, Same Items (%)",
        readonly=True,
        help="The plan's fill on the items that had a rule before, to compare "
        "like with like.",
    )
    plan_stock_value_ruled = fields.Monetary(
        string="Plan Avg. Stock Value, Same Items", readonly=True
    )
    set_fill_rate = fields.Float(
        string="Plan as Set: Fill (%)",
        readonly=True,
        help="The min / max this plan sets, replayed as the rules before are: "
        "on the same months and items, with levels chosen knowing those "
        "months. Where the plan keeps a rule's levels, the two read the same; "
        "Plan Fill replans from the months before them only.",
    )
    set_stock_value = fields.Monetary(
        string="Plan as Set: Avg. Stock Value", readonly=True
    )

    @api.depends("abc", "xyz", "is_total")
    def _compute_display_name(self):
        for row in self:
            row.display_name = (
                self.env._("All classes")
                if row.is_total
                else f"{row.abc or '-'}{row.xyz or '-'}"
            )


class SopCycle(models.Model):
    """Replay of the plan's policies and of the former rules, per class."""

    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    policy_backtest_ids = fields.One2many(
        "sop.cycle.policy.backtest", "cycle_id", groups=GROUP_USER
    )
    date_policy_replay = fields.Datetime(
        string="Policies Replayed On", readonly=True, copy=False
    )
    policy_replay_scenario_id = fields.Many2one(
        "sop.scenario",
        string="Replayed With",
        readonly=True,
        copy=False,
        groups=GROUP_USER,
        help="The scenario chosen for approval when the policies were "
        "replayed; empty: the plan as it is.",
    )

    def action_submit_executive_review(self):
        """Submit, then replay the policies so the executive sees the service."""
        result = super().action_submit_executive_review()
        self._replay_policies_logged()
        return result

    def write(self, vals):
        """A scenario chosen for approval (or released) is replayed at once:
        the backtest shows the service of the policies approval would set."""
        result = super().write(vals)
        if "approved_scenario_id" in vals:  # also released by a rejection
            self.filtered(lambda c: c.state in REPLAY_STATES)._replay_policies_logged()
        return result

    def _replay_policies_logged(self):
        """Replay each cycle's policies; a replay that fails is logged (the
        move or choice that asked for it stands)."""
        # the move in the database first: a concurrent submission fails to
        # serialize here (the request is retried and told the new state),
        # not inside the replay's savepoint, whose catch-all would leave
        # the transaction aborted
        self.env.flush_all()
        for cycle in self:
            try:
                with self.env.cr.savepoint():
                    cycle._replay_policies()
            except (UserError, EngineInputError) as exc:
                _logger.warning(
                    "S&OP cycle %s: policy replay skipped: %s", cycle.name, exc
                )
            except Exception:  # noqa: BLE001 - the submission stands; logged
                _logger.exception("S&OP cycle %s: policy replay failed", cycle.name)

    def action_replay_policies(self):
        """Replay the plan's policies and the former rules on the last year."""
        # executives are planners too (the roles imply each other)
        self._check_group(GROUP_PLANNER, self.env._("replay the policies"))
        wrong = self.filtered(lambda c: c.state not in REPLAY_STATES)
        if wrong:
            raise UserError(
                self.env._(
                    "Cycle %s: policies are replayed in reconciliation and "
                    "executive review only.",
                    wrong[0].display_name,
                )
            )
        for cycle in self:
            cycle._replay_policies()
        return True

    def _replay_policies(self):
        """Plan the policies as approval would, replay them; store per class.

        Uses the scenario chosen for approval when there is one. Nothing is
        written to the policies or the rules.
        """
        self.ensure_one()
        forecasts = self.env["sop.forecast"].search([("cycle_id", "=", self.id)])
        items, _skipped = self._policy_items(forecasts, self.approved_scenario_id)
        if items.empty:
            raise UserError(
                self.env._(
                    "Cycle %s has no forecast with a vendor lead time to replay.",
                    self.display_name,
                )
            )
        history = self._policy_history(items, self.approved_scenario_id)
        result, failed = self._plan_policies(items, self.approved_scenario_id, history)
        if result.empty:
            raise UserError(
                self.env._(
                    "Cycle %(cycle)s: the policy engine planned none of its "
                    "products (%(reason)s).",
                    cycle=self.display_name,
                    reason=next(iter(failed.values()), ""),
                )
            )
        before = self._rules_before(items)
        frame = self._replay_frame(items, result, history, before)
        rows = self._backtest_class_rows(frame)
        backtests = self.env["sop.cycle.policy.backtest"].sudo()
        backtests.search([("cycle_id", "=", self.id)]).unlink()
        backtests.create([{"cycle_id": self.id, **row} for row in rows])
        self.sudo().write(
            {
                "date_policy_replay": fields.Datetime.now(),
                "policy_replay_scenario_id": self.approved_scenario_id.id,
            }
        )
        return True

    def _rules_before(self, items):
        """The reordering rules of the items now: ``item_id, min_qty, max_qty``.

        One rule per product and warehouse stock location, as approval
        matches them; items without a rule are left out.
        """
        forecasts = self.env["sop.forecast"].browse(items["item_id"].tolist())
        rules = (
            self.env["stock.warehouse.orderpoint"]
            .sudo()
            .search_fetch(
                [
                    ("product_id", "in", forecasts.product_id.ids),
                    ("location_id", "in", forecasts.warehouse_id.lot_stock_id.ids),
                ],
                ["product_id", "location_id", "product_min_qty", "product_max_qty"],
            )
        )
        by_key = {
            (rule.product_id.id, rule.location_id.id): (
                rule.product_min_qty,
                rule.product_max_qty,
            )
            for rule in rules
        }
        rows = []
        for forecast in forecasts:
            key = (forecast.product_id.id, forecast.warehouse_id.lot_stock_id.id)
            if key in by_key:
                rows.append((forecast.id, *by_key[key]))
        return pd.DataFrame(rows, columns=["item_id", "min_qty", "max_qty"])

    def _replay_frame(self, items, result, history, before):
        """Per item: class, replayed or not, the plan's and the former rule's
        replay (zero where not replayed or without a rule)."""
        frame = result[
            [
                "item_id",
                "target",
                "expected_fill_rate",
                "backtest_state",
                "backtest_demand",
                "backtest_served",
                "backtest_avg_stock_value",
            ]
        ].merge(items[["item_id", "abc", "xyz"]], on="item_id", how="left")
        frame["replayed"] = frame["backtest_state"] == "ok"
        measures = ["backtest_demand", "backtest_served", "backtest_avg_stock_value"]
        frame[measures] = frame[measures].where(frame["replayed"], 0.0).fillna(0.0)
        ruled = items.merge(before, on="item_id")
        ruled = ruled[ruled["item_id"].isin(frame.loc[frame["replayed"], "item_id"])]
        planned = ruled[["item_id"]].merge(
            result[["item_id", "min_qty", "max_qty"]], on="item_id"
        )
        for prefix, levels in (("rule", ruled), ("set", planned)):
            frame = frame.merge(
                self._replay_levels(ruled, levels, history, prefix),
                on="item_id",
                how="left",
            )
        frame["ruled"] = frame["rule_demand"].notna()
        replays = [
            f"{prefix}_{name}" for prefix in ("rule", "set") for name in REPLAY_SUMS
        ]
        frame[replays] = frame[replays].astype(float).fillna(0.0)
        return frame

    @api.model
    def _replay_levels(self, items, levels, history, prefix):
        """``levels`` (``item_id, min_qty, max_qty``, items of ``items``)
        replayed on the last months: ``<prefix>_served, _demand, _value``."""
        columns = ["item_id", *(f"{prefix}_{name}" for name in REPLAY_SUMS)]
        if levels.empty:
            return pd.DataFrame(columns=columns)
        items = items.set_index("item_id").loc[levels["item_id"]].reset_index()
        replayed = rule_backtest(
            items,
            history,
            levels["min_qty"].to_numpy(float),
            levels["max_qty"].to_numpy(float),
            freq="M",
            replay_periods=BACKTEST_MONTHS,
        )
        return replayed.rename(
            columns={
                f"backtest_{source}": f"{prefix}_{name}"
                for name, source in REPLAY_SUMS.items()
            }
        )[columns]

    def _backtest_class_rows(self, frame):
        """Values of one row per ABC x XYZ class and one for all classes."""
        demand = frame["backtest_demand"]
        frame = frame.assign(
            abc=frame["abc"].fillna(""),
            xyz=frame["xyz"].fillna(""),
            items=1,
            wanted=demand * frame["target"],
            promised=demand * frame["expected_fill_rate"],
            ruled_demand=demand.where(frame["ruled"], 0.0),
            ruled_served=frame["backtest_served"].where(frame["ruled"], 0.0),
            ruled_value=frame["backtest_avg_stock_value"].where(frame["ruled"], 0.0),
        )
        sums = [
            "items",
            "replayed",
            "ruled",
            "backtest_demand",
            "backtest_served",
            "backtest_avg_stock_value",
            "wanted",
            "promised",
            "rule_demand",
            "rule_served",
            "rule_value",
            "set_demand",
            "set_served",
            "set_value",
            "ruled_demand",
            "ruled_served",
            "ruled_value",
        ]
        frame[sums] = frame[sums].astype(float)
        by_class = frame.groupby(["abc", "xyz"])[sums].sum()
        currency = self.company_id.currency_id
        rows = [
            self._backtest_row(total, currency, abc=abc, xyz=xyz)
            for (abc, xyz), total in by_class.iterrows()
        ]
        rows.append(self._backtest_row(frame[sums].sum(), currency, is_total=True))
        return rows

    @api.model
    def _backtest_row(self, total, currency, **keys):
        """The stored row of one class (or the total): shares in percent,
        amounts rounded to ``currency``."""

        def share(part, whole):
            return stored_percent(part / whole) if whole > 0 else 0.0

        demand = total["backtest_demand"]
        return {
            "abc": keys.get("abc") or False,
            "xyz": keys.get("xyz") or False,
            "is_total": keys.get("is_total", False),
            "item_count": int(total["items"]),
            "replayed_count": int(total["replayed"]),
            "target": share(total["wanted"], demand),
            "promised_fill_rate": share(total["promised"], demand),
            "plan_fill_rate": share(total["backtest_served"], demand),
            "plan_stock_value": currency.round(total["backtest_avg_stock_value"]),
            "rule_count": int(total["ruled"]),
            "rule_fill_rate": share(total["rule_served"], total["rule_demand"]),
            "rule_stock_value": currency.round(total["rule_value"]),
            "plan_fill_rate_ruled": share(total["ruled_served"], total["ruled_demand"]),
            "plan_stock_value_ruled": currency.round(total["ruled_value"]),
            "set_fill_rate": share(total["set_served"], total["set_demand"]),
            "set_stock_value": currency.round(total["set_value"]),
        }
