import base64
import importlib.util
import io
from unittest.mock import patch

import numpy as np
import openpyxl
import pandas as pd

from odoo.tests import tagged
from odoo.tools.misc import file_path

from ..engine import METHODS
from ..models import sop_cycle_execution, sop_explanation_words
from ..models.sop_explanation_words import explanation_words
from .common_policy import SopPolicyCase

# 36 months of a slow mover, oldest first: demand in 7 months, in lumps.
# The forecast's law (negative binomial from the mean and sigma) sets its
# reorder point at 14 and serves 79 % of the last year (its 49 lump); the
# law resampled from the item's own months, at their own level (3.4 a
# month), keeps the promise in its backtest.
SLOW_HISTORY = [0, 0, 0, 38, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
SLOW_HISTORY += [14, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 49, 0, 0, 0, 0, 7, 0]


class SlowMoverCase(SopPolicyCase):
    """A lumpy spare part with three years of sales (``SLOW_HISTORY``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slow = cls._product(
            "Slow spare", standard_price=40.0, default_code="SLOW-SPARE"
        )
        cls._vendor_price(cls.slow, 30)
        months = len(SLOW_HISTORY)
        for index, qty in enumerate(SLOW_HISTORY):
            if qty:
                cls._sale(cls.slow, qty, cls._past_day(months - index))

    def _slow_plan(self, products, ahead=0):
        """A plan at the slow mover's mean with its forecast error."""
        cycle = self._plan(products, ahead=ahead)
        slow = self._forecast(cycle, self.slow)
        slow.sudo().write({"sigma": 10.3, "pattern": "lumpy"})
        self._lines(cycle, self.slow).sudo().write({"forecast_qty": 3.4})
        return cycle


@tagged("post_install", "-at_install")
class TestPolicyBacktest(SlowMoverCase):
    """Policies replayed on their own past: on the policy and on the cycle."""

    def test_slow_mover_reaches_its_target_in_its_own_backtest(self):
        cycle = self._approve(self._slow_plan(self.slow | self.pump))
        policy = self._policy(cycle, self.slow)
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        self.assertEqual(policy.method, "bootstrap", "law from its own history")
        # lumpy: its class's service level is planned as a fill rate
        self.assertIn("ROP for a simulated fill rate of 0.95", policy.explanation)
        self.assertEqual(policy.backtest_state, "ok")
        # the forecast's law served 78.6 % of this year: far below the target
        self.assertGreaterEqual(policy.backtest_fill_rate, policy.service_level - 3.0)
        self.assertGreater(policy.expected_fill_rate, 0.0)
        self.assertGreater(policy.backtest_avg_stock_value, 0.0)
        self.assertIn(
            "this policy, planned from the sales before them, would have given",
            policy.backtest_summary,
        )
        self.assertIn("resampled at its own level", policy.explanation)
        # replayed from a year without sales: it held nothing, and says why
        # (not "this policy would have given 0.0 % fill" next to its 13 / 23)
        policy.sudo().write({"backtest_fill_rate": 0.0, "backtest_avg_stock": 0.0})
        self.assertIn(
            "(none in the year before), would have held nothing",
            policy.backtest_summary,
        )
        # the pump never sold: no fake 0 %, it says why
        pump = self._policy(cycle, self.pump)
        self.assertEqual(pump.state, "applied", pump.skip_reason)
        self.assertEqual(pump.backtest_state, "no_history")
        self.assertIn("Not enough sales history", pump.backtest_summary)

    def test_fast_mover_bought_in_two_weeks_keeps_its_promise(self):
        """About 300 sold a month, the vendor delivering in 15 days: the rule,
        checked every day, refills within the month, and the backtest shows
        it although a month sells more than the rule's maximum (replayed
        month by month, a month's sales had to come from the stock on hand at
        its start: 84 % fill for a promise of 100 %)."""
        fast = self._product("Fast valve", standard_price=200.0)
        self._vendor_price(fast, 15)
        for offset in range(1, 37):
            self._sale(fast, 280.0 + 20.0 * (offset % 3), self._past_day(offset))
        policy = self._policy(self._approve(self._plan(fast)), fast)
        self.assertEqual(policy.backtest_state, "ok")
        self.assertLess(policy.order_up_to, 280.0)
        self.assertGreaterEqual(policy.backtest_fill_rate, 95.0)
        self.assertAlmostEqual(
            policy.backtest_fill_rate, policy.expected_fill_rate, delta=2.0
        )

    def test_method_is_named_in_words_for_every_engine_method(self):
        """The form says how a reorder point was set ("Own History,
        Resampled"), not the engine's code, for each method it uses."""
        field = self.env["sop.inventory.policy"]._fields["method"]
        labels = dict(field._description_selection(self.env))
        self.assertEqual(set(labels), set(METHODS))
        self.assertEqual(labels["bootstrap"], "Own History, Resampled")

    def test_stored_percentages_read_without_float_noise(self):
        """Float sums leave 100.00000000000003 where a share is whole, and an
        RPC client reads the stored number as it is: a policy stores its
        target, promise and backtest fill rounded within [0, 100], and so
        does the per-class replay."""
        planned_policy = sop_cycle_execution.planned_policy

        def noisy(*args, **kwargs):
            result = planned_policy(*args, **kwargs).assign(
                target=0.57,  # 100 * 0.57 = 56.99999999999999
                expected_fill_rate=0.9400000000000002,  # 94.00000000000001
            )
            if "backtest_state" in result:  # planned with its backtest
                replayed = result["backtest_state"] == "ok"
                result["backtest_fill_rate"] = np.where(
                    replayed, 1.0000000000000002, result["backtest_fill_rate"]
                )
            return result

        with patch.object(sop_cycle_execution, "planned_policy", noisy):
            cycle = self._approve(self._slow_plan(self.slow))
        policy = self._policy(cycle, self.slow)
        self.assertEqual(policy.backtest_state, "ok")
        names = ["service_level", "expected_fill_rate", "backtest_fill_rate"]
        self.assertEqual(
            policy.with_user(self.planner).read(names)[0],
            {"id": policy.id, "service_level": 57.0, "expected_fill_rate": 94.0}
            | {"backtest_fill_rate": 100.0},
        )
        # a class whose 0.1 + 0.2 units served are all its 0.3 demanded
        whole = 0.1 + 0.2
        row = self.env["sop.cycle"]._backtest_row(
            pd.Series(
                {
                    "items": 1,
                    "replayed": 1,
                    "ruled": 1,
                    "backtest_demand": 0.3,
                    "backtest_served": whole,
                    "backtest_avg_stock_value": 5.0,
                    "wanted": 0.3 * 0.95,
                    "promised": whole,
                    "rule_demand": 0.3,
                    "rule_served": whole,
                    "rule_value": 4.0,
                    "ruled_demand": 0.3,
                    "ruled_served": whole,
                    "ruled_value": 5.0,
                    "set_demand": 0.3,
                    "set_served": whole,
                    "set_value": 5.0,
                }
            ),
            self.env.company.currency_id,
            is_total=True,
        )
        shares = ["target", "promised_fill_rate", "plan_fill_rate"]
        shares += ["rule_fill_rate", "plan_fill_rate_ruled", "set_fill_rate"]
        self.assertEqual(
            {name: row[name] for name in shares},
            {"target": 95.0} | dict.fromkeys(shares[1:], 100.0),
        )

    def test_target_type_says_what_the_service_level_counts(self):
        """A lumpy item's service level is a fill rate, a smooth item's the
        share of order cycles without a stockout; the backtest's sentence
        says which, since its fill is not what a cycle target promises."""
        lumpy = self._policy(self._approve(self._slow_plan(self.slow)), self.slow)
        self.assertEqual(lumpy.service_type, "fill_rate")
        self.assertIn("fill (target", lumpy.backtest_summary)
        cycle = self._slow_plan(self.slow)
        self._forecast(cycle, self.slow).sudo().write({"pattern": "smooth"})
        smooth = self._policy(self._approve(cycle), self.slow)
        self.assertEqual(smooth.backtest_state, "ok")
        self.assertEqual(smooth.service_type, "cycle")
        self.assertIn("quantile of lead-time demand", smooth.explanation)
        self.assertIn(
            f"no stockout in {smooth.service_level:.1f} % of order cycles",
            smooth.backtest_summary,
        )
        # numbers as the reader's language writes them: 95,0 in Danish
        self.env["res.lang"]._activate_lang("da_DK")
        self.assertIn(
            f"{smooth.service_level:.1f} %".replace(".", ","),
            smooth.with_context(lang="da_DK").backtest_summary,
        )

    def test_explanation_in_the_readers_language(self):
        """A Danish planner reads the explanation's words in Danish; its
        formulas and numbers stay as the engine computed them."""
        lumpy = self._policy(self._approve(self._slow_plan(self.slow)), self.slow)
        english = lumpy.explanation
        self.assertIn("ROP for a simulated fill rate of", english)
        self.assertEqual(lumpy.explanation_display, english)
        self.env["res.lang"]._activate_lang("da_DK")
        danish = lumpy.with_context(lang="da_DK").explanation_display
        self.assertIn("ROP for en simuleret leveringsgrad på", danish)
        self.assertNotIn("simulated", danish)
        formula = english[english.index("LTD = ") :].split(" over ")[0]
        self.assertIn(formula, danish, "LTD = <number> stays")
        words = explanation_words(self.env(context={"lang": "da_DK"}))
        same = [phrase for phrase, word in words.items() if word == phrase]
        self.assertEqual(same, [], "every phrase has its Danish words")
        self.assertEqual(words[" d (lead "], " d (leveringstid ")
        # the terms pair with the engine's phrases by their English words:
        # listed in another order, each phrase keeps its own translation
        terms = sop_explanation_words._explanation_terms
        with patch.object(
            sop_explanation_words, "_explanation_terms", lambda env: terms(env)[::-1]
        ):
            self.assertEqual(
                explanation_words(self.env(context={"lang": "da_DK"})), words
            )

    def test_planners_adjustment_sets_a_slow_movers_level(self):
        """A slow mover's law keeps its own history's level when its plan is
        a forecast, and takes the plan's level when a planner set it: the
        same tripled plan gives a higher reorder point when adjusted."""
        forecast = self._slow_plan(self.slow)
        self._lines(forecast, self.slow).sudo().write({"forecast_qty": 10.2})
        forecast.action_submit_supply_review()
        own = self._forecast(forecast, self.slow).draft_reorder_point
        adjusted = self._slow_plan(self.slow, ahead=1)
        self._lines(adjusted, self.slow).write(
            {
                "adjustment_mode": "percent",
                "adjustment_percent": 200.0,
                "adjustment_reason": "customer",
            }
        )
        adjusted.action_submit_supply_review()
        planned = self._forecast(adjusted, self.slow).draft_reorder_point
        self.assertGreater(own, 0.0)
        self.assertGreater(planned, 1.25 * own)

    def test_an_adjustment_after_the_lead_time_keeps_the_own_level(self):
        """One more unit in the plan's last month is not demand over the lead
        time: the slow mover keeps its own history's level. The same unit in
        the first month is: the law takes the plan's level."""
        cycle = self._slow_plan(self.slow)
        lines = self._lines(cycle, self.slow).sorted("date_month")
        lines.sudo().write({"forecast_qty": 10.2})
        forecast = self._forecast(cycle, self.slow)
        cycle.action_run_supply_review()
        own = forecast.draft_reorder_point
        adjust = {"adjustment_qty": 1.0, "adjustment_reason": "customer"}
        lines[-1].with_user(self.planner).write(adjust)
        cycle.action_run_supply_review()
        self.assertEqual(forecast.draft_reorder_point, own)
        lines[0].with_user(self.planner).write(adjust)
        cycle.action_run_supply_review()
        self.assertGreater(forecast.draft_reorder_point, 1.25 * own)

    def test_cycle_shows_backtest_per_class_against_the_former_rules(self):
        rule = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.slow.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "product_min_qty": 5.0,
                "product_max_qty": 10.0,
            }
        )
        cycle = self._slow_plan(self.slow | self.pump)
        self._forecast(cycle, self.slow).sudo().write({"abc": "C", "xyz": "Z"})
        self._to_executive_review_from_demand(cycle)
        self.assertTrue(cycle.date_policy_replay, "replayed on entering the review")
        rows = cycle.policy_backtest_ids
        slow_class = rows.filtered(lambda r: r.abc == "C" and r.xyz == "Z")
        total = rows.filtered("is_total")
        self.assertEqual(len(slow_class), 1)
        self.assertEqual(len(total), 1)
        self.assertEqual(total.item_count, 2)
        self.assertEqual(total.replayed_count, 1, "the pump has no history")
        self.assertEqual(slow_class.replayed_count, 1)
        self.assertEqual(slow_class.rule_count, 1)
        self.assertAlmostEqual(slow_class.target, 85.0, places=6)  # class CZ
        # min 5 / max 10 on the last year: 17 of its 56 units served
        self.assertAlmostEqual(slow_class.rule_fill_rate, 100.0 * 17 / 56, places=3)
        self.assertGreater(slow_class.rule_stock_value, 0.0)
        # class CZ aims at 85 %: the plan comes near it, far above the rule
        self.assertGreaterEqual(slow_class.plan_fill_rate, slow_class.target - 5.0)
        self.assertGreater(slow_class.plan_fill_rate, slow_class.rule_fill_rate + 40)
        self.assertAlmostEqual(
            slow_class.plan_fill_rate_ruled, slow_class.plan_fill_rate, places=6
        )
        self.assertAlmostEqual(total.plan_fill_rate, slow_class.plan_fill_rate)
        # the plan's levels replayed as the rule is: far above the rule too
        self.assertGreater(slow_class.set_fill_rate, slow_class.rule_fill_rate + 40)
        self.assertGreater(slow_class.set_stock_value, slow_class.rule_stock_value)
        # amounts stored to the currency, as an RPC client reads them
        slow_class.invalidate_recordset()
        amounts = ["plan_stock_value", "plan_stock_value_ruled"]
        for name in amounts + ["rule_stock_value", "set_stock_value"]:
            amount = slow_class[name]
            self.assertEqual(amount, cycle.company_id.currency_id.round(amount))
        # nothing written before approval; the rule is still the company's own
        self.assertFalse(cycle.policy_ids)
        self.assertEqual(rule.product_min_qty, 5.0)
        # a planner replays again (e.g. after a change); same figures
        replayed = total.plan_fill_rate
        cycle.with_user(self.planner).action_replay_policies()
        self.assertAlmostEqual(
            cycle.policy_backtest_ids.filtered("is_total").plan_fill_rate, replayed
        )
        # the workbook's Summary carries the same table
        action = cycle.with_user(self.sop_user).action_export_workbook()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[-1].split("?")[0])
        )
        summary = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(attachment.datas)), data_only=True
        )["Summary"]
        table = {
            summary.cell(row, 11).value: summary.cell(row, 19).value
            for row in range(4, 4 + len(cycle.policy_backtest_ids))
        }
        self.assertAlmostEqual(table["CZ"], 17 / 56, places=5)  # rules' fill
        self.assertEqual(summary.cell(3, 21).value, "Plan as set: fill")
        as_set = {
            summary.cell(row, 11).value: summary.cell(row, 21).value
            for row in range(4, 4 + len(cycle.policy_backtest_ids))
        }
        replayed_cz = cycle.policy_backtest_ids.filtered(lambda r: r.abc == "C")
        self.assertAlmostEqual(as_set["CZ"], replayed_cz.set_fill_rate / 100, places=5)
        # approval then writes the rule as before
        cycle.with_user(self.executive).action_approve()
        self.assertEqual(self._policy(cycle, self.slow).orderpoint_id, rule)
        self.assertGreater(rule.product_min_qty, 5.0)

    def test_a_chosen_scenario_is_replayed_at_once(self):
        """The executive chooses a scenario of a higher service level: the
        backtest is replayed with it and says so; clearing the choice
        replays the plan as it is."""
        cycle = self._slow_plan(self.slow | self.pump)
        self._forecast(cycle, self.slow).sudo().write({"abc": "C", "xyz": "Z"})
        self._to_executive_review_from_demand(cycle)
        base = cycle.policy_backtest_ids.filtered("is_total")
        self.assertAlmostEqual(base.target, 85.0, places=6)  # class CZ
        self.assertFalse(cycle.policy_replay_scenario_id)
        higher = (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create(
                {"cycle_id": cycle.id, "name": "All at 99 %", "service_level": 99.0}
            )
        )
        cycle.with_user(self.executive).approved_scenario_id = higher
        total = cycle.policy_backtest_ids.filtered("is_total")
        self.assertAlmostEqual(total.target, 99.0, places=6)
        self.assertEqual(cycle.policy_replay_scenario_id, higher)
        cycle.with_user(self.executive).approved_scenario_id = False
        total = cycle.policy_backtest_ids.filtered("is_total")
        self.assertAlmostEqual(total.target, 85.0, places=6)
        self.assertFalse(cycle.policy_replay_scenario_id)
        # a rejection releases the choice: the plan as it is again
        cycle.with_user(self.executive).approved_scenario_id = higher
        cycle.with_user(self.executive)._reject("Back to 85 % for CZ")
        self.assertFalse(cycle.policy_replay_scenario_id)
        total = cycle.policy_backtest_ids.filtered("is_total")
        self.assertAlmostEqual(total.target, 85.0, places=6)

    def test_plan_as_set_reads_as_the_rule_it_keeps(self):
        """A plan whose min / max equal the rule before replays exactly as
        that rule: like with like."""
        self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.slow.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "product_min_qty": 5.0,
                "product_max_qty": 10.0,
            }
        )
        cycle = self._slow_plan(self.slow)
        self._to_executive_review_from_demand(cycle)
        forecasts = self.env["sop.forecast"].search([("cycle_id", "=", cycle.id)])
        items, _skipped = cycle._policy_items(forecasts, cycle.approved_scenario_id)
        history = cycle._policy_history(items, cycle.approved_scenario_id)
        levels = cycle._plan_policies(items, cycle.approved_scenario_id, history)[0]
        self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", self.slow.id)]
        ).write(
            {
                "product_min_qty": float(levels["min_qty"].iloc[0]),
                "product_max_qty": float(levels["max_qty"].iloc[0]),
            }
        )
        cycle.with_user(self.planner).action_replay_policies()
        total = cycle.policy_backtest_ids.filtered("is_total")
        self.assertEqual(total.rule_count, 1)
        self.assertAlmostEqual(total.set_fill_rate, total.rule_fill_rate, places=6)
        self.assertAlmostEqual(total.set_stock_value, total.rule_stock_value, places=2)

    def test_update_rounds_percentages_stored_before(self):
        """The 19.0.1.3.0 update rounds what earlier versions stored."""
        policy = self._policy(self._approve(self._slow_plan(self.slow)), self.slow)
        self.env.cr.execute(
            "UPDATE sop_inventory_policy SET backtest_fill_rate = "
            "100.00000000000003, expected_fill_rate = 94.00000000000001 "
            "WHERE id = %s",
            [policy.id],
        )
        path = file_path("sop_planning/migrations/19.0.1.3.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("sop_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "19.0.1.2.0")
        policy.invalidate_recordset()
        self.assertEqual(
            policy.read(["backtest_fill_rate", "expected_fill_rate"])[0],
            {"id": policy.id, "backtest_fill_rate": 100.0, "expected_fill_rate": 94.0},
        )
