import logging
import math
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..engine import planned_policy
from .common_policy import SopPolicyCase

LOG_FORECAST = "odoo.addons.sop_planning.models.sop_cycle_forecast"
LOG_HISTORY = "odoo.addons.sop_planning.models.sop_demand_history"
LOG_POLICY = "odoo.addons.sop_planning.models.sop_cycle_execution"


@tagged("post_install", "-at_install")
class TestBadInput(SopPolicyCase):
    """Bad data in the ERP: a clear error naming the record, or a logged skip."""

    # ------------------------------------------------------------------
    # Cycle settings
    # ------------------------------------------------------------------
    def test_out_of_range_settings_are_refused(self):
        cycle = self._new_cycle()
        for field, value in (
            ("service_level", 0.0),
            ("service_level", 100.0),
            ("horizon_months", 0),
            ("history_months", 1),
        ):
            with (
                self.subTest(field=field, value=value),
                self.assertRaises(IntegrityError) as caught,
                mute_logger("odoo.sql_db"),
                self.cr.savepoint(),
            ):
                cycle.write({field: value})
                cycle.flush_recordset()
            self.assertIn(field.split("_")[0], str(caught.exception))

    def test_invalid_product_filter_names_the_cycle(self):
        with self.assertRaisesRegex(ValidationError, "product filter of cycle"):
            self._new_cycle(product_domain="[('name', '=')]")

    def test_empty_product_scope_is_a_clear_error(self):
        cycle = self._next_month_cycle(
            product_domain="[('name', '=', 'no such product')]"
        )
        with self.assertRaisesRegex(UserError, "no storable product in its scope"):
            cycle.action_run_forecast()
        self.assertFalse(cycle.forecast_ids)

    def test_archived_warehouse_is_named_not_silently_dropped(self):
        other = self.env["stock.warehouse"].create({"name": "Closed", "code": "CLS"})
        cycle = self._next_month_cycle()
        cycle.warehouse_ids = [(4, other.id)]
        other.active = False
        with self.assertRaisesRegex(UserError, "archived warehouse Closed"):
            cycle.action_run_forecast()

    # ------------------------------------------------------------------
    # Sales history
    # ------------------------------------------------------------------
    def test_history_of_one_sale_gives_a_forecast_from_it(self):
        self._sale(self.pump, 7, self._month(-1) + relativedelta(days=3))
        cycle = self._next_month_cycle()
        cycle.action_run_forecast()
        forecast = self._forecast(cycle, self.pump)
        self.assertEqual(forecast.state, "ok")
        self.assertEqual(forecast.n_periods, 1)
        for qty in self._lines(cycle, self.pump).mapped("forecast_qty"):
            self.assertAlmostEqual(qty, 7.0, places=2)

    def test_one_billion_outlier_is_capped(self):
        self._monthly_sales({self.pump: 10})
        self._sale(self.pump, 1e9, self._month(-4) + relativedelta(days=2))
        cycle = self._next_month_cycle()
        cycle.action_run_forecast()
        for qty in self._lines(cycle, self.pump).mapped("forecast_qty"):
            self.assertLess(qty, 100.0)

    def test_sales_dated_in_the_future_are_not_history(self):
        self._monthly_sales({self.pump: 10})
        later = self._month(2) + relativedelta(days=5)
        self._sale(self.pump, 5000, later)
        self._sale(self.valve, 5000, later)
        cycle = self._next_month_cycle()
        cycle.action_run_forecast()
        for qty in self._lines(cycle, self.pump).mapped("forecast_qty"):
            self.assertAlmostEqual(qty, 10.0, places=1)
        valve = self._forecast(cycle, self.valve)
        self.assertEqual(valve.state, "no_history")

    def test_unit_of_another_kind_is_reported_on_the_product(self):
        order = self._sale(self.valve, 3, self._month(-2))
        kilogram = self.env.ref("uom.product_uom_kgm")
        self.env.cr.execute(
            "UPDATE sale_order_line SET product_uom_id = %s WHERE order_id = %s",
            [kilogram.id, order.id],
        )
        self.env.invalidate_all()
        cycle = self._next_month_cycle()
        with self.assertLogs(LOG_HISTORY, logging.WARNING) as logs:
            cycle.action_run_forecast()
        self.assertIn("cannot be converted", logs.output[0])
        valve = self._forecast(cycle, self.valve)
        self.assertEqual(valve.state, "no_history")
        self.assertIn("1 line(s) in a unit that cannot be converted", valve.skip_reason)
        # run by an English planner, read by a Danish one in Danish; the
        # policy skipped for it quotes it so too
        reader = self._danish_reader("sop_unit_reader", "sop_planning.group_sop_user")
        danish = {"lang": "da_DK"}
        read = valve.with_user(reader).with_context(**danish)
        self.assertIn("1 linje(r) i en enhed", read.skip_reason_display)
        self.assertEqual(valve.skip_reason_display, valve.skip_reason)
        self._approve(cycle)
        policy = self._policy(cycle, self.valve).with_user(reader)
        self.assertEqual(policy.state, "skipped")
        self.assertIn(
            "1 linje(r) i en enhed", policy.with_context(**danish).skip_reason_display
        )

    def test_archived_product_with_sales_is_skipped_and_logged(self):
        self._monthly_sales({self.valve: 4}, months=6)
        self.valve.action_archive()
        cycle = self._next_month_cycle()
        with self.assertLogs(LOG_FORECAST, logging.INFO) as logs:
            cycle.action_run_forecast()
        self.assertTrue(any("without forecast" in line for line in logs.output))
        valve = self._forecast(cycle, self.valve)
        self.assertEqual(valve.state, "skipped")
        self.assertIn("Archived product", valve.skip_reason)
        self.assertFalse(self._lines(cycle, self.valve))

    def test_adjustment_below_minus_100_percent_is_refused(self):
        self._monthly_sales({self.pump: 10})
        cycle = self._next_month_cycle()
        cycle.action_run_forecast()
        line = self._lines(cycle, self.pump)[:1]
        line.invalidate_recordset()
        before = line.consensus_qty
        self.assertGreater(line.forecast_qty, 0.0)
        for values in (
            {"adjustment_mode": "percent", "adjustment_percent": -150},
            {"adjustment_qty": -line.forecast_qty - 5.0},
        ):
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, "below -100 %"),
                self.cr.savepoint(),
            ):
                line.with_user(self.planner).write(
                    dict(values, adjustment_reason="market")
                )
        line.invalidate_recordset()
        self.assertEqual(line.consensus_qty, before)
        # -100 % exactly is allowed: the plan goes to zero
        line.write(
            {
                "adjustment_mode": "percent",
                "adjustment_percent": -100,
                "adjustment_reason": "phase_out",
            }
        )
        self.assertEqual(line.consensus_qty, 0.0)
        with self.assertRaisesRegex(ValidationError, "below -100 %"):
            self.env["sop.plan.line"].create(
                dict(
                    line.copy_data()[0],
                    date_month=self._month(13),
                    adjustment_mode="percent",
                    adjustment_percent=-101,
                )
            )

    def test_unknown_adjustment_reason_is_a_clear_error(self):
        """A reason not in the list (over RPC) is refused with the list, not
        a server error; nothing is saved."""
        self._monthly_sales({self.pump: 10})
        cycle = self._next_month_cycle()
        cycle.action_run_forecast()
        line = self._lines(cycle, self.pump)[:1].with_user(self.planner)
        with self.assertRaisesRegex(
            ValidationError,
            r"Unknown reason whim: use one of promotion \(Promotion / Campaign\)",
        ):
            line.write({"adjustment_qty": 5.0, "adjustment_reason": "whim"})
        self.assertFalse(line.adjustment_qty)

    def test_an_absurd_price_is_valued_at_zero_not_overflowing(self):
        """A sales price of 1e300 (Odoo takes it) is a typing error: its
        product's plan money is 0 and the others are scored (the scoring of
        every product failed on an overflow)."""
        self.pump.lst_price = 1e300
        cycle = self._plan(self.pump | self.valve)
        self._to_executive_review_from_demand(cycle)
        pump_lines = cycle.plan_line_ids.filtered(lambda x: x.product_id == self.pump)
        self.assertEqual(set(pump_lines.mapped("price_unit")), {0.0})
        self.assertEqual(set(pump_lines.mapped("revenue")), {0.0})
        cycle.with_user(self.planner).action_score_scenarios()
        self.assertEqual(cycle.scenario_ids.filtered("is_base").state, "scored")

    def test_absurd_adjustment_is_refused_with_its_bounds(self):
        """A planner's adjustment of 1e15 units, 1e6 %, infinity or NaN (all
        reach the server over RPC or an import) is refused with the product
        and the bounds, not stored (1e15 read back as 1000000000000001.0) nor
        a server error (infinity cannot be rounded); within the bounds it
        is saved."""
        self._monthly_sales({self.pump: 10})
        cycle = self._next_month_cycle()
        cycle.action_run_forecast()
        line = self._lines(cycle, self.pump)[:1].with_user(self.planner)
        before = line.consensus_qty
        bounds = (
            r"Plan line Pump, \d{4}-\d\d: an adjustment of %s is out of bounds\. "
            r"Adjust by at most 1,000,000,000 Units either way, or by -100 %% "
            r"to 10,000 %% of the statistical forecast\."
        )
        for values, given in (
            ({"adjustment_qty": 1e15}, "1,000,000,000,000,000 Units"),
            ({"adjustment_qty": -1e15}, "-1,000,000,000,000,000 Units"),
            ({"adjustment_qty": math.inf}, "inf Units"),
            ({"adjustment_qty": math.nan}, "nan Units"),
            ({"adjustment_mode": "percent", "adjustment_percent": 1e6}, "1,000,000 %"),
            ({"adjustment_mode": "percent", "adjustment_percent": math.nan}, "nan %"),
            ({"adjustment_mode": "percent", "adjustment_percent": -math.inf}, "-inf %"),
        ):
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, bounds % given),
                self.cr.savepoint(),
            ):
                line.write(dict(values, adjustment_reason="market"))
        with (
            self.assertRaisesRegex(ValidationError, bounds % "inf Units"),
            self.cr.savepoint(),
        ):
            self.env["sop.plan.line"].create(
                dict(
                    line.copy_data()[0],
                    date_month=self._month(13),
                    adjustment_qty=math.inf,
                    adjustment_reason="market",
                )
            )
        line.invalidate_recordset()
        self.assertEqual(line.consensus_qty, before)
        # at the bounds: a billion units, or 10,000 % of the forecast
        line.write({"adjustment_qty": 1e9, "adjustment_reason": "one_off"})
        self.assertEqual(line.adjustment_qty, 1e9)
        line.write({"adjustment_mode": "percent", "adjustment_percent": 10000})
        self.assertAlmostEqual(line.consensus_qty, 101 * line.forecast_qty, places=1)

    def test_adjustment_without_reason_is_refused(self):
        self._monthly_sales({self.pump: 10})
        cycle = self._next_month_cycle()
        cycle.action_run_forecast()
        line = self._lines(cycle, self.pump)[:1]
        with (
            self.assertRaisesRegex(ValidationError, "needs a reason"),
            self.cr.savepoint(),
        ):
            line.with_user(self.planner).write({"adjustment_qty": 5.0})
        with (
            self.assertRaisesRegex(ValidationError, "needs a reason"),
            self.cr.savepoint(),
        ):
            line.write({"adjustment_mode": "percent", "adjustment_percent": 20})
        with (
            self.assertRaisesRegex(ValidationError, "needs a reason"),
            self.cr.savepoint(),
        ):
            self.env["sop.plan.line"].create(
                dict(
                    line.copy_data()[0],
                    date_month=self._month(13),
                    adjustment_qty=3.0,
                    adjustment_reason=False,
                )
            )
        # an import (load) gets the same error as a message, nothing saved
        result = self.env["sop.plan.line"].load(
            [".id", "adjustment_qty"], [[str(line.id), "7"]]
        )
        self.assertFalse(result["ids"])
        self.assertIn("needs a reason", result["messages"][0]["message"])
        line.invalidate_recordset()
        self.assertEqual(line.adjustment_qty, 0.0)
        # with a reason it is saved; taking it back to zero needs none
        line.write({"adjustment_qty": 5.0, "adjustment_reason": "customer"})
        line.write({"adjustment_qty": 0.0, "adjustment_reason": False})
        self.assertEqual(line.consensus_qty, line.forecast_qty)

    # ------------------------------------------------------------------
    # Vendor data -> inventory policies
    # ------------------------------------------------------------------
    def test_product_without_vendor_is_skipped_and_logged(self):
        with self.assertLogs(LOG_POLICY, logging.INFO) as logs:
            cycle = self._approve(self._plan(self.pump | self.orphan))
        orphan = self._policy(cycle, self.orphan)
        self.assertEqual(orphan.state, "skipped")
        self.assertIn("No vendor lead time", orphan.skip_reason)
        self.assertTrue(any("skipped" in line for line in logs.output))
        self.assertEqual(self._policy(cycle, self.pump).state, "applied")
        self.assertIn("No vendor", self._forecast(cycle, self.orphan).supply_note)

    def test_zero_lead_time_is_flagged_and_skipped(self):
        self.valve.seller_ids.delay = 0
        cycle = self._approve(self._plan(self.pump | self.valve))
        self.assertIn("0 days", self._forecast(cycle, self.valve).supply_note)
        self.assertEqual(self._policy(cycle, self.valve).state, "skipped")
        self.assertEqual(self._policy(cycle, self.pump).state, "applied")

    def test_absurd_lead_time_skips_that_product_only(self):
        self.valve.seller_ids.delay = 100000
        cycle = self._approve(self._plan(self.pump | self.valve))
        valve = self._policy(cycle, self.valve)
        self.assertEqual(valve.state, "skipped")
        self.assertIn("100000 days is not plausible", valve.skip_reason)
        self.assertIn("not plausible", self._forecast(cycle, self.valve).supply_note)
        pump = self._policy(cycle, self.pump)
        self.assertEqual(pump.state, "applied")
        self.assertGreater(pump.reorder_point, 0.0)

    def test_supply_notes_and_skip_reasons_read_in_the_readers_language(self):
        """The planner (English) runs the plan; a Danish reader reads the
        supply review's note and the policies' reasons in Danish."""
        reader = self._danish_reader("sop_danish_reader", "sop_planning.group_sop_user")
        self.valve.seller_ids.delay = 100000
        cycle = self._approve(self._plan(self.pump | self.valve | self.orphan))
        danish = {"lang": "da_DK"}
        valve = self._forecast(cycle, self.valve).with_user(reader)
        orphan = self._forecast(cycle, self.orphan).with_user(reader)
        self.assertIn("not plausible", valve.supply_note, "as the planner wrote it")
        self.assertIn(
            "ikke plausibel", valve.with_context(**danish).supply_note_display
        )
        self.assertIn(
            "Ingen leverandør", orphan.with_context(**danish).supply_note_display
        )
        self.assertEqual(
            valve.with_context(lang="en_US").supply_note_display, valve.supply_note
        )
        policy = self._policy(cycle, self.valve).with_user(reader)
        self.assertIn(
            "ikke plausibel", policy.with_context(**danish).skip_reason_display
        )
        no_vendor = self._policy(cycle, self.orphan).with_user(reader)
        self.assertNotEqual(
            no_vendor.with_context(**danish).skip_reason_display, no_vendor.skip_reason
        )

    def test_price_zero_still_gives_a_finite_policy(self):
        self.pump.standard_price = 0.0
        cycle = self._approve(self._plan(self.pump))
        policy = self._policy(cycle, self.pump)
        self.assertEqual(policy.state, "applied")
        for name in ("reorder_point", "order_up_to", "safety_stock"):
            self.assertTrue(math.isfinite(policy[name]), name)
        self.assertGreater(policy.reorder_point, 0.0)
        self.assertGreaterEqual(policy.order_up_to, policy.reorder_point)

    def test_negative_on_hand_is_ordered_back_and_explained(self):
        self.env["stock.quant"]._update_available_quantity(self.pump, self.stock, -20)
        cycle = self._approve(self._plan(self.pump))
        rule = cycle.policy_ids.orderpoint_id.sudo()
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertEqual(proposal.qty_on_hand, -20.0)
        self.assertAlmostEqual(
            proposal.quantity, rule.product_max_qty + 20.0, delta=1.0
        )
        self.assertIn("on hand -20", proposal.explanation)

    def test_engine_failure_on_one_product_skips_that_product_only(self):
        """An unforeseen engine error on one product's data skips its policy
        with the engine's message; the other products still get theirs."""
        poisoned = self.valve

        def failing_on_valve(items, *args, **kwargs):
            forecasts = self.env["sop.forecast"].browse(items["item_id"].tolist())
            if poisoned in forecasts.product_id:
                raise ValueError("n < 0")
            return planned_policy(items, *args, **kwargs)

        with (
            patch(f"{LOG_POLICY}.planned_policy", side_effect=failing_on_valve),
            self.assertLogs(LOG_POLICY, logging.WARNING) as logs,
        ):
            cycle = self._approve(self._plan(self.pump | self.valve))
        valve = self._policy(cycle, self.valve)
        self.assertEqual(valve.state, "skipped")
        self.assertIn("n < 0", valve.skip_reason)
        self.assertTrue(any("skipped" in line for line in logs.output))
        pump = self._policy(cycle, self.pump)
        self.assertEqual(pump.state, "applied")
        self.assertGreater(pump.reorder_point, 0.0)
