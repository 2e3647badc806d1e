import base64
import io
from datetime import date
from unittest.mock import patch

import openpyxl
import pandas as pd

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import formatLang

from ..models.sop_cycle_supply_plan import _changed_draft_products
from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestSupplyPlan(SopDataCase):
    """Draft policies, planned receipts and money with the plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.item = cls._product("Pump", list_price=12.0, standard_price=5.0)
        cls.orphan = cls._product("No Vendor", list_price=5.0, standard_price=2.0)
        cls._vendor_price(cls.item, 30, price=5.0)
        cls._monthly_sales({cls.item: 40, cls.orphan: 2}, months=24)
        cls._done_move(cls.item, cls.suppliers, cls.stock, 100, date.today())

    def _supply_review(self):
        cycle = self._next_month_cycle()
        cycle.action_run_forecast()
        cycle.action_submit_supply_review()
        return cycle

    def test_hand_computed_product(self):
        """On hand 100, 40 a month (this month's 40 still to sell before the
        plan: the plan starts at 60, its reorder point, and orders at once),
        reorder point 60, lots of 120, lead 1 month: planned receipts, stock
        and spend as computed by hand."""
        hand_policy = pd.DataFrame(
            {
                "product_id": [float(self.item.id)],
                "warehouse_id": [float(self.warehouse.id)],
                "reorder_point": [60.0],
                "order_qty": [120.0],
                "lead_time_days": [30.0],
                "multiple": [1.0],
            }
        )
        cycle_class = type(self.env["sop.cycle"])
        with patch.object(
            cycle_class, "_store_draft_policies", return_value=hand_policy
        ):
            cycle = self._supply_review()
        lines = self._lines(cycle, self.item).sorted("date_month")
        self.assertEqual(
            [round(x, 2) for x in lines.mapped("consensus_qty")], [40.0] * 12
        )
        # nothing sold this month yet: its forecast is taken before the plan
        self.assertEqual(lines[0].prior_demand_qty, 40.0)
        stock, receipts, stocks = 100.0 - 40.0, [], []
        # the plan's start at the reorder point: a lot ordered, received in
        # the first month
        arriving = 120.0 if stock <= 60.0 else 0.0
        for _month in lines:
            stock += arriving - 40.0
            receipts.append(arriving)
            stocks.append(stock)
            # at the reorder point: a lot ordered, received next month
            arriving = 120.0 if stock <= 60.0 else 0.0
        self.assertEqual(receipts, [120, 0, 0, 120, 0, 0, 120, 0, 0, 120, 0, 0])
        self.assertEqual(lines.mapped("planned_receipt_qty"), receipts)
        self.assertEqual(lines.mapped("planned_on_hand"), stocks)
        self.assertEqual(lines.mapped("purchase_spend"), [5.0 * q for q in receipts])
        # the projection without plan still runs down and drives the flags
        self.assertEqual(lines[-1].projected_on_hand, 100 - 40 - 12 * 40)
        self.assertEqual(lines[-1].planned_inventory_value, stocks[-1] * 5.0)

    def test_drafts_year_end_value_and_workbook(self):
        cycle = self._supply_review()
        forecast = self._forecast(cycle, self.item)
        draft = forecast.sudo().draft_policy  # technical: debug mode only
        self.assertTrue(draft)
        self.assertGreater(forecast.draft_order_qty, 0.0)
        self.assertEqual(draft["reorder_point"], forecast.draft_reorder_point)
        self.assertFalse(self.env["sop.inventory.policy"].search([]))
        lines = cycle.plan_line_ids
        item = self._lines(cycle, self.item)
        self.assertGreater(sum(item.mapped("planned_receipt_qty")), 0.0)
        # nothing planned without vendor: the orphan keeps running short
        orphan = self._lines(cycle, self.orphan)
        self.assertEqual(sum(orphan.mapped("planned_receipt_qty")), 0.0)
        last = max(lines.mapped("date_month"))
        year_end = sum(
            max(line.planned_on_hand, 0.0) * line.product_id.standard_price
            for line in lines
            if line.date_month == last
        )
        self.assertGreater(year_end, 0.0)
        self.assertAlmostEqual(cycle.inventory_value_end, year_end, places=2)
        spend = sum(
            (line.planned_receipt_qty + line.incoming_qty) * line.cost_unit
            for line in lines
        )
        self.assertAlmostEqual(cycle.purchase_spend_total, spend, places=2)
        # the cycle's table: one row per month, then the total
        self.assertEqual(str(cycle.supply_plan_html).count("<tr><td>"), 12 + 1)
        # the workbook's Financial sheet shows the cycle's figures
        action = cycle.with_user(self.sop_user).action_export_workbook()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[-1].split("?")[0])
        )
        book = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(attachment.datas)), data_only=True
        )
        sheet = book["Financial"]
        rows = {
            row[1].value: [cell.value for cell in row[2:]]
            for row in sheet.iter_rows(min_row=2)
            if row[0].value == "All items"
        }
        self.assertAlmostEqual(rows["Revenue"][-1], cycle.revenue_total, places=2)
        self.assertAlmostEqual(rows["Cost of goods"][-1], cycle.cost_total, places=2)
        self.assertAlmostEqual(rows["Margin"][-1], cycle.margin_total, places=2)
        self.assertAlmostEqual(
            rows["Purchase spend"][-1], cycle.purchase_spend_total, places=2
        )
        # inventory value has no total: its last month is the year end
        self.assertAlmostEqual(
            rows["Inventory value"][11], cycle.inventory_value_end, places=2
        )
        # and the Summary the cycle's year-end stock
        summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows()}
        self.assertAlmostEqual(
            summary["Inventory value at the end"], cycle.inventory_value_end, places=2
        )

    def test_capacity_over_100_flags_the_receiving_products(self):
        # 30 units a month for the whole category: the pump's lots exceed it
        self.env["sop.capacity"].create(
            {"categ_id": self.category.id, "capacity_qty": 30}
        )
        cycle = self._supply_review()
        item = self._lines(cycle, self.item)
        receiving = item.filtered(lambda line: line.planned_receipt_qty > 30)
        self.assertTrue(receiving)
        self.assertTrue(all(receiving.mapped("is_over_capacity")))
        for line in receiving:
            self.assertAlmostEqual(
                line.capacity_load, line.planned_receipt_qty / 30 * 100, places=2
            )
        # the orphan receives nothing: it does not cause the overload
        self.assertFalse(
            any(self._lines(cycle, self.orphan).mapped("is_over_capacity"))
        )
        self.assertEqual(cycle.over_capacity_count, len(receiving))
        self.assertIn("Pump", cycle.capacity_note)
        self.assertNotIn("No Vendor", cycle.capacity_note)

    def _approve(self, cycle):
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        cycle.with_user(self.executive).action_approve()

    def test_approval_reuses_unchanged_drafts(self):
        # never sold: a forecast without history, never a draft policy (not a
        # change at approval)
        never = self._product("Never Sold", list_price=5.0, standard_price=2.0)
        self._vendor_price(never, 30, price=2.0)
        gone = self._product("Discontinued", list_price=5.0, standard_price=2.0)
        self._vendor_price(gone, 30, price=2.0)
        self._monthly_sales({gone: 10}, months=12)
        gone.active = False
        cycle = self._supply_review()
        self.assertEqual(self._forecast(cycle, never).state, "no_history")
        self.assertEqual(self._forecast(cycle, gone).state, "skipped")
        # the supply review names what gets no planned orders, and why
        review_note = cycle.message_ids.filtered(
            lambda m: "get no draft policy" in m.body
        )
        self.assertIn("Supply review: 1 product(s) x warehouse(s)", review_note.body)
        self.assertIn(f"(1): No Vendor ({self.warehouse.code})", review_note.body)
        # the run names what it skipped, and why
        run_note = cycle.message_ids.filtered(lambda m: "Forecast run" in m.body)
        self.assertIn(
            f"Skipped: {self._forecast(cycle, gone).skip_reason_display.rstrip('.')}"
            f" (1): Discontinued ({self.warehouse.code})",
            run_note[0].body,
        )
        draft = self._forecast(cycle, self.item).sudo().draft_policy
        self._approve(cycle)
        policy = self._policy(cycle, self.item)
        self.assertEqual(policy.reorder_point, draft["reorder_point"])
        self.assertEqual(policy.order_qty, draft["order_qty"])
        self.assertEqual(policy.orderpoint_id.product_min_qty, draft["reorder_point"])
        self.assertIn(
            "applied as they were", " ".join(cycle.message_ids.mapped("body"))
        )
        summary = cycle.message_ids.filtered(lambda m: "reordering rules set" in m.body)
        self.assertIn(f"No Vendor ({self.warehouse.code})", summary.body)
        # offered once: the nightly refresh computes as before
        self.assertFalse(cycle.forecast_ids.filtered("draft_fingerprint"))

    def test_approval_recomputes_after_a_change(self):
        """Plan lines are adjusted in demand review only; what can still
        change between the supply review and approval (here the unit cost)
        makes approval compute the policies anew."""
        cycle = self._supply_review()
        self.item.standard_price *= 3
        self._approve(cycle)
        messages = " ".join(cycle.message_ids.mapped("body"))
        self.assertIn("Inventory policies recomputed", messages)
        self.assertIn(f"Pump ({self.warehouse.code})", messages)
        self.assertNotIn("applied as they were", messages)
        self.assertGreater(self._policy(cycle, self.item).reorder_point, 0)

    def test_approval_with_a_scenario_says_the_policies_follow_it(self):
        """An approved scenario changes every policy's inputs: the note
        names the scenario instead of listing every product as changed."""
        cycle = self._supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        late = (
            self.env["sop.scenario"]
            .with_user(self.planner)
            .create({"cycle_id": cycle.id, "name": "Vendor late", "lead_time_days": 14})
        )
        cycle.with_user(self.planner).action_score_scenarios()
        cycle.with_user(self.executive).approved_scenario_id = late
        cycle.with_user(self.executive).action_approve()
        messages = " ".join(cycle.message_ids.mapped("body"))
        self.assertIn("recomputed for the approved scenario Vendor late", messages)
        self.assertNotIn("product(s) x warehouse(s) changed", messages)

    def test_a_draft_changed_in_its_last_digits_is_not_planned_again(self):
        """A float loses its last digits through a job's JSON: the same draft
        must not count as changed (the products planned again differed as
        jobs and in the request, and so did their supply plan)."""
        drafts = pd.DataFrame(
            {
                "product_id": [1, 2, 3],
                "warehouse_id": [1, 1, 1],
                "reorder_point": [10.0, 5.0, 7.0],
                "order_qty": [20.0, 8.0, 3.0],
                "lead_time_days": [11.791666666666666, 30.0, 4.0],
                "multiple": [1.0, 1.0, 1.0],
            }
        )
        after = drafts.copy()
        after.loc[0, "lead_time_days"] = 11.791666666666668
        after.loc[1, "reorder_point"] = 6.0
        after = after[after["product_id"] != 3]
        self.assertEqual(_changed_draft_products(drafts, after), {2, 3})

    def test_only_planners_refresh_the_supply_review(self):
        cycle = self._supply_review()
        with self.assertRaises(AccessError):
            cycle.with_user(self.sop_user).action_run_supply_review()
        # readers see the plan
        lines = cycle.with_user(self.sop_user).plan_line_ids
        self.assertTrue(sum(lines.mapped("planned_receipt_qty")))
        self.assertTrue(cycle.with_user(self.sop_user).supply_plan_html)
        cycle.with_user(self.planner).action_run_supply_review()

    def test_simulation_gap_is_explained(self):
        cycle = self._supply_review()
        spend = cycle.purchase_spend_total
        stock = sum(line.planned_inventory_value for line in cycle.plan_line_ids) / len(
            set(cycle.plan_line_ids.mapped("date_month"))
        )
        base = cycle._base_scenario()
        base.sudo().write(
            {"state": "scored", "purchase_spend": spend, "avg_stock_value": stock}
        )
        cycle.invalidate_recordset(["simulation_note"])
        self.assertFalse(cycle.simulation_note)
        base.sudo().write({"purchase_spend": spend * 1.2})
        cycle.invalidate_recordset(["simulation_note"])
        self.assertIn("purchase spend", cycle.simulation_note)
        self.assertIn("deterministic", cycle.simulation_note)
        self.assertNotIn("average stock value", cycle.simulation_note)
        # the amounts as the reader's language writes them (Danish: 1.234)
        self.assertGreater(spend * 1.2, 1000.0)
        self.env["res.lang"]._activate_lang("da_DK")
        danish = cycle.with_context(lang="da_DK")
        danish.invalidate_recordset(["simulation_note"])
        self.assertIn(
            formatLang(danish.env, spend * 1.2, digits=0), danish.simulation_note
        )
        self.assertIn(".", formatLang(danish.env, spend * 1.2, digits=0))

    def test_refresh_runs_the_policy_engine_only_after_a_change(self):
        cycle = self._supply_review()
        cycle_class = type(self.env["sop.cycle"])
        original = cycle_class._plan_policies
        calls = []

        def spy(records, *args, **kwargs):
            calls.append(records.id)
            return original(records, *args, **kwargs)

        with patch.object(cycle_class, "_plan_policies", spy):
            cycle.action_run_supply_review()
            self.assertEqual(calls, [], "nothing changed: drafts kept")
            self.item.standard_price *= 3
            cycle.action_run_supply_review()
            self.assertEqual(calls, [cycle.id])
        draft = self._forecast(cycle, self.item).sudo().draft_policy
        self._approve(cycle)
        self.assertEqual(
            self._policy(cycle, self.item).reorder_point, draft["reorder_point"]
        )

    def _plan_values(self, cycle):
        return {
            (line.product_id.id, line.date_month): (
                line.planned_receipt_qty,
                line.planned_on_hand,
                line.purchase_spend,
                line.planned_inventory_value,
            )
            for line in cycle.plan_line_ids
        }

    def test_refresh_plans_again_only_the_products_whose_draft_changed(self):
        """Chunks plan with the drafts stored before the run; the finalize
        plans again the products whose draft it changed: the same lines as
        a review from scratch (no stored draft, no plan)."""
        cycle = self._supply_review()
        before = self._plan_values(cycle)
        self.item.standard_price *= 3  # another order quantity
        cycle_class = type(self.env["sop.cycle"])
        original = cycle_class._supply_plan_lines
        replanned = []

        def spy(records, product_ids):
            replanned.append(list(product_ids))
            return original(records, product_ids)

        with patch.object(cycle_class, "_supply_plan_lines", spy):
            cycle.action_run_supply_review()
        self.assertEqual(replanned, [[self.item.id]], "the orphan has no draft")
        refreshed = self._plan_values(cycle)
        self.assertNotEqual(
            [values[0] for values in refreshed.values()],
            [values[0] for values in before.values()],
            "other planned receipts",
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sop_forecast SET draft_policy = NULL, draft_fingerprint = NULL "
            "WHERE cycle_id = %s",
            [cycle.id],
        )
        self.env.cr.execute(
            "UPDATE sop_plan_line SET planned_receipt_qty = NULL, "
            "planned_on_hand = NULL, purchase_spend = NULL, "
            "planned_inventory_value = NULL WHERE cycle_id = %s",
            [cycle.id],
        )
        self.env.invalidate_all()
        cycle.action_run_supply_review()
        self.assertEqual(self._plan_values(cycle), refreshed)
