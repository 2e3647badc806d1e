import math
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from ..engine.scenario import evaluate_plan
from ..models.sop_cycle_scenario import SCENARIO_PATHS, SCENARIO_SEED
from .common_policy import MONTH_DAYS, SopDepotCase


@tagged("post_install", "-at_install")
class TestSeveralWarehouses(SopDepotCase):
    """A depot resupplied from the main warehouse by Odoo's own route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env, "sop_wh_buyer", groups="purchase.group_purchase_user"
        )

    def _at(self, records, warehouse, product=None):
        return records.filtered(
            lambda r: (
                r.warehouse_id == warehouse and (not product or r.product_id == product)
            )
        )

    def test_depot_planned_from_the_main_warehouse_by_odoo_route(self):
        cycle = self._approve(self._two_warehouse_plan(self.pump | self.valve))
        depot = self._at(cycle.forecast_ids, self.depot, self.pump)
        self.assertEqual(depot.supply_route, "resupply")
        self.assertEqual(depot.source_warehouse_id, self.warehouse)
        self.assertEqual(depot.lead_time_days, 2)
        self.assertFalse(depot.vendor_id, "a transfer has no vendor")
        self.assertFalse(depot.moq)
        self.assertEqual(depot.supply_source, "from WH, 2 days")
        main = self._at(cycle.forecast_ids, self.warehouse, self.pump)
        self.assertEqual(main.supply_route, "buy")
        self.assertEqual((main.vendor_id, main.lead_time_days), (self.vendor, 30))
        # a product with the Buy route at the depot too stays a purchase
        valve = self._at(cycle.forecast_ids, self.depot, self.valve)
        self.assertEqual((valve.supply_route, valve.vendor_id), ("buy", self.vendor))

        policy = self._at(cycle.policy_ids, self.depot, self.pump)
        self.assertEqual(policy.lead_time_days, 2)
        # lot = a week of demand in whole units, not an EOQ on the purchase
        # order cost (that would be months of it)
        monthly = self._lines(cycle, self.pump)[:1].consensus_qty
        self.assertEqual(policy.order_qty, math.ceil(monthly / MONTH_DAYS * 7 - 1e-6))
        self.assertIn("Resupplied from WH, 2 days", policy.explanation)

    def test_depot_plan_prepared_months_ahead_still_moves_a_week_at_a_time(self):
        """A plan prepared three months ahead: the depot's transfer lot is a
        week of the plan's first months (it read the three months from today,
        which that plan has no line in: lot 0, min = max)."""
        plan = self._plan(self.pump, self.warehouse | self.depot, ahead=3)
        policy = self._at(self._approve(plan).policy_ids, self.depot, self.pump)
        self.assertAlmostEqual(policy.order_qty, 70.0, delta=1.0, msg="a week")
        rule = policy.orderpoint_id.sudo()
        self.assertGreater(rule.product_max_qty, rule.product_min_qty)

    def test_source_read_in_the_readers_language(self):
        """The supply review ran in English; a Danish planner reads the
        forecasts' sources in Danish, a Danish buyer the policies' ones, an
        English buyer in English."""
        self.env["res.lang"]._activate_lang("da_DK")
        cycle = self._approve(self._two_warehouse_plan(self.pump))
        depot = self._at(cycle.forecast_ids, self.depot, self.pump)
        main = self._at(cycle.forecast_ids, self.warehouse, self.pump)
        self.assertEqual(depot.supply_source, "from WH, 2 days")
        planner = self.env(user=self.planner, context={"lang": "da_DK"})
        self.assertEqual(
            planner["sop.forecast"].browse(depot.id).supply_source_display,
            "fra WH, 2 dage",
        )
        self.assertEqual(
            planner["sop.forecast"].browse(main.id).supply_source_display,
            f"{self.vendor.display_name}, 30 dage",
        )
        policy = self._at(cycle.policy_ids, self.depot, self.pump)
        buyer = self.env(user=self.buyer, context={"lang": "da_DK"})
        danish = buyer["sop.inventory.policy"].browse(policy.id)
        self.assertEqual(danish.supply_source_display, "fra WH, 2 dage")
        english = policy.with_user(self.buyer).with_context(lang="en_US")
        self.assertEqual(english.supply_source_display, "from WH, 2 days")
        # the explanation's first sentences too, the engine's trace after them
        self.assertTrue(policy.explanation.startswith("Resupplied from WH, 2 days"))
        self.assertTrue(
            danish.explanation_display.startswith(
                "Genopfyldt fra WH, 2 dage (Odoos rute)"
            ),
            danish.explanation_display,
        )
        source = self._at(cycle.policy_ids, self.warehouse, self.pump)
        main_danish = buyer["sop.inventory.policy"].browse(source.id)
        self.assertTrue(
            main_danish.explanation_display.startswith(
                f"Kilde: {self.vendor.display_name}, 30 dage. Efterspørgsel = "
                "egen konsensus + hvad DEP trækker herfra"
            ),
            main_danish.explanation_display,
        )
        self.assertEqual(english.explanation_display[:60], policy.explanation[:60])
        # planned before its source's values were stored, with a source the
        # forecast does not have: the policy's own text
        self.env.cr.execute(
            "UPDATE sop_inventory_policy SET supply_source = %s, "
            "supply_source_values = NULL WHERE id = %s",
            ("fra WH, 3 dage", policy.id),
        )
        self.env.invalidate_all()
        self.assertEqual(danish.supply_source_display, "fra WH, 3 dage")

    def test_depot_reorder_point_built_on_the_transfer_lead_time(self):
        """Two years of sales at the depot: the law is resampled from them
        and, reviewed every day, protects the 2-day transfer, not a month."""
        for offset in range(1, 25):
            order = self._sale(
                self.pump, 280 + 20 * (offset % 3), self._past_day(offset)
            )
            order.warehouse_id = self.depot
        cycle = self._approve(self._two_warehouse_plan(self.pump))
        policy = self._at(cycle.policy_ids, self.depot, self.pump)
        self.assertEqual(policy.method, "bootstrap", policy.explanation)
        per_day = 10.0  # 304.375 a month
        self.assertAlmostEqual(policy.lead_time_demand, 2 * per_day, delta=1.0)
        # below a week of demand: 2 days plus safety, not a month (304)
        self.assertLess(policy.reorder_point, 7 * per_day)
        self.assertGreater(policy.reorder_point, policy.lead_time_demand)

    def test_main_warehouse_pulls_the_depots_demand_before_the_plan(self):
        """A plan for next month: what the depot will still sell this month
        is restocked from the main warehouse before the plan starts, so the
        main warehouse's first month gives it too."""
        cycle = self._plan(self.pump, self.warehouse | self.depot, ahead=1)
        depot_forecast = self._at(cycle.forecast_ids, self.depot, self.pump)
        depot_forecast.sudo().gap_forecast = {self.this_month.isoformat(): 50.0}
        cycle.action_submit_supply_review()
        lines = self._lines(cycle, self.pump)
        depot = self._at(lines, self.depot).sorted("date_month")
        self.assertEqual(depot[0].prior_demand_qty, 50.0)
        main = self._at(lines, self.warehouse).sorted("date_month")
        self.assertAlmostEqual(
            main[0].pulled_qty, main[0].consensus_qty + 50.0, places=6
        )
        self.assertAlmostEqual(main[1].pulled_qty, main[1].consensus_qty, places=6)

    def test_main_warehouse_plans_what_the_depot_pulls(self):
        cycle = self._approve(self._two_warehouse_plan(self.pump | self.valve))
        main = self._at(self._lines(cycle, self.pump), self.warehouse)
        main = main.sorted("date_month")[:-1]  # the last lacks the month after it
        for line in main:
            self.assertAlmostEqual(line.pulled_qty, line.consensus_qty, places=6)
        depot = self._at(self._lines(cycle, self.pump), self.depot)
        self.assertEqual(sum(depot.mapped("pulled_qty")), 0.0)
        # the valve is bought at both: nothing pulled, its main policy is alone
        alone = self._at(cycle.policy_ids, self.warehouse, self.valve)
        pulled = self._at(cycle.policy_ids, self.warehouse, self.pump)
        self.assertAlmostEqual(
            pulled.lead_time_demand, 2 * alone.lead_time_demand, delta=2.0
        )
        self.assertGreater(pulled.safety_stock, alone.safety_stock)
        self.assertIn("what DEP pulls from here", pulled.explanation)

    def test_transfer_proposal_is_ordered_then_done_and_main_warehouse_buys(self):
        self.company_a.sop_auto_rfq = True
        self._approve(self._two_warehouse_plan(self.pump))
        self._run_cron()
        proposals = self._proposals(self.pump)
        transfer = self._at(proposals, self.depot)
        purchase = self._at(proposals, self.warehouse)
        self.assertEqual(transfer.source_warehouse_id, self.warehouse)
        self.assertFalse(transfer.vendor_id)
        self.assertEqual(
            transfer.date_needed, fields.Date.today() + relativedelta(days=2)
        )
        self.assertIn("Resupplied from WH, 2 days", transfer.explanation)
        self.assertNotIn("vendor minimum", transfer.explanation)
        self.assertEqual(transfer.state, "ordered")
        self.assertTrue(transfer.picking_id, "the proposal follows its transfer")
        self.assertEqual(transfer.move_id.location_dest_id, self.depot.lot_stock_id)
        self.assertEqual(transfer.quantity, round(transfer.quantity), "whole units")
        # one run: the main warehouse buys for the depot's transfer as well
        self.assertEqual(purchase.state, "ordered")
        self.assertTrue(purchase.purchase_line_id)
        self.assertGreaterEqual(
            purchase.quantity, transfer.quantity + purchase.order_up_to - 1e-6
        )

        self._run_cron()  # idempotent: nothing new, nothing deleted
        self.assertEqual(self._proposals(self.pump), proposals)
        self.assertEqual(transfer.state, "ordered")

        self.env["stock.quant"]._update_available_quantity(
            self.pump, self.stock, transfer.quantity
        )
        for picking in transfer.move_id.move_orig_ids.picking_id | transfer.picking_id:
            picking.action_assign()
            picking.move_ids.quantity = transfer.quantity
            picking.move_ids.picked = True
            picking._action_done()
        self.assertEqual(transfer.state, "done")

    def test_transfer_received_in_part_stays_ordered_until_the_rest(self):
        """The depot received part of its transfer, the rest in a backorder:
        the proposal is still ordered; it is done once the backorder is."""
        self.company_a.sop_auto_rfq = True
        self._approve(self._two_warehouse_plan(self.pump))
        self._run_cron()
        transfer = self._at(self._proposals(self.pump), self.depot)
        quantity = transfer.quantity
        self.assertGreater(quantity, 5)
        self.env["stock.quant"]._update_available_quantity(
            self.pump, self.stock, quantity
        )
        shipped = transfer.move_id.move_orig_ids.picking_id
        shipped.action_assign()
        shipped.move_ids.quantity = quantity
        shipped.move_ids.picked = True
        shipped._action_done()
        received = transfer.picking_id
        received.move_ids.quantity = quantity - 5
        received.move_ids.picked = True
        received._action_done()
        backorder = received.backorder_ids
        self.assertEqual(backorder.move_ids.product_uom_qty, 5)
        self.assertEqual(transfer.state, "ordered")
        backorder.move_ids.quantity = 5
        backorder.move_ids.picked = True
        backorder._action_done()
        self.assertEqual(transfer.state, "done")

    def test_cancelled_transfer_reopens_proposal(self):
        self._approve(self._two_warehouse_plan(self.pump))
        self._run_cron()
        transfer = self._at(self._proposals(self.pump), self.depot)
        transfer.with_user(self.buyer).action_confirm()
        self.assertEqual(transfer.state, "ordered")
        transfer.picking_id.action_cancel()
        self.assertEqual(transfer.state, "proposed")

    def test_a_transfer_added_to_the_open_one_is_ordered(self):
        """The depot needs more while its first transfer is still open:
        Odoo adds the second quantity to the open transfer's moves; the
        second proposal is ordered with that move, not "not ordered"."""
        self._approve(self._two_warehouse_plan(self.pump))
        self._run_cron()
        first = self._at(self._proposals(self.pump), self.depot)
        first.with_user(self.buyer).action_confirm()
        self.assertEqual(first.state, "ordered")
        ordered = first.move_id.product_uom_qty
        customers = self.env.ref("stock.stock_location_customers")
        sale = self.env["stock.move"].create(
            {
                "product_id": self.pump.id,
                "product_uom_qty": 200.0,
                "product_uom": self.unit.id,
                "location_id": self.depot.lot_stock_id.id,
                "location_dest_id": customers.id,
                "company_id": self.company_a.id,
            }
        )
        sale._action_confirm()
        self._run_cron()
        second = self._at(self._proposals(self.pump), self.depot) - first
        self.assertEqual(second.state, "proposed")
        result = second.with_user(self.buyer).action_confirm()
        self.assertEqual(second.state, "ordered", result)
        self.assertFalse(second.exception_reason)
        self.assertEqual(second.picking_id, first.picking_id, "one open transfer")
        self.assertAlmostEqual(
            second.move_id.product_uom_qty, ordered + second.quantity, places=2
        )

    def test_transfer_on_its_way_counts_once(self):
        transit = self.company_a.internal_transit_location_id
        move = self.env["stock.move"].create(
            {
                "product_id": self.pump.id,
                "product_uom_qty": 50.0,
                "product_uom": self.unit.id,
                "location_id": self.stock.id,
                "location_dest_id": transit.id,
                "company_id": self.company_a.id,
            }
        )
        move._action_confirm()
        arriving = move.copy(
            {"location_id": transit.id, "location_dest_id": self.depot.lot_stock_id.id}
        )
        arriving._action_confirm()
        moves = self.env["sop.supply.data"]._open_moves(
            self.company_a, self.warehouse | self.depot, self.pump, self.this_month
        )
        by_warehouse = moves.groupby("warehouse_id")[["incoming", "committed"]].sum()
        self.assertEqual(by_warehouse.loc[self.warehouse.id].tolist(), [0.0, 50.0])
        self.assertEqual(by_warehouse.loc[self.depot.id].tolist(), [50.0, 0.0])

    def test_transfer_reliability_measured_from_done_transfers(self):
        transit = self.company_a.internal_transit_location_id
        for offset in (2, 3):
            promised = self._past_day(offset)
            self._done_move(
                self.pump,
                transit,
                self.depot.lot_stock_id,
                20.0,
                promised + relativedelta(days=3),
                date_deadline=promised,
            )
        cycle = self._approve(self._two_warehouse_plan(self.pump))
        depot = self._at(cycle.forecast_ids, self.depot)
        self.assertEqual((depot.delay_mean, depot.otif_rate), (3.0, 0.0))
        self.assertFalse(depot.vendor_delay_mean, "no vendor behind a transfer")
        self.assertEqual(self._at(cycle.policy_ids, self.depot).lead_time_days, 5.0)

    def test_transfers_to_the_depot_are_not_purchase_spend(self):
        """The depot's planned receipts and transfers on their way are
        internal moves: the money is spent once, by the main warehouse's
        purchases (which carry what the depot pulls)."""
        transit = self.company_a.internal_transit_location_id
        arriving = self.env["stock.move"].create(
            {
                "product_id": self.pump.id,
                "product_uom_qty": 50.0,
                "product_uom": self.unit.id,
                "location_id": transit.id,
                "location_dest_id": self.depot.lot_stock_id.id,
                "company_id": self.company_a.id,
            }
        )
        arriving._action_confirm()
        cycle = self._two_warehouse_plan(self.pump)
        cycle.action_submit_supply_review()
        depot = self._at(self._lines(cycle, self.pump), self.depot)
        self.assertGreater(sum(depot.mapped("planned_receipt_qty")), 0.0)
        self.assertEqual(sum(depot.mapped("incoming_qty")), 50.0)
        self.assertEqual(depot.mapped("purchase_spend"), [0.0] * len(depot))
        main = self._at(self._lines(cycle, self.pump), self.warehouse)
        bought = sum(main.mapped("planned_receipt_qty")) + sum(
            main.mapped("incoming_qty")
        )
        self.assertAlmostEqual(
            sum(main.mapped("purchase_spend")), bought * 40.0, places=2
        )
        self.assertAlmostEqual(
            cycle.purchase_spend_total, sum(main.mapped("purchase_spend")), places=2
        )

    def test_depot_stock_with_the_plan_is_not_a_month_short(self):
        """Resupplied every week in 2 days, the depot's plan keeps stock: the
        monthly plan no longer waits a month for each transfer (its stock
        with the plan was a month of demand below zero all year)."""
        cycle = self._two_warehouse_plan(self.pump)
        cycle.action_submit_supply_review()
        depot = self._at(self._lines(cycle, self.pump), self.depot)
        policy = self._at(cycle.forecast_ids, self.depot, self.pump)
        self.assertEqual(policy.lead_time_days, 2)
        stock = depot.sorted("date_month").mapped("planned_on_hand")
        self.assertGreaterEqual(min(stock), 0.0, stock)
        self.assertGreater(depot.sorted("date_month")[-1].planned_inventory_value, 0.0)

    def test_scenarios_pay_the_depots_transfers_once(self):
        """Scored scenarios (the cockpit's cash out) count the main
        warehouse's purchases, not the depot's transfers too."""
        cycle = self._two_warehouse_plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        cycle.with_user(self.planner).action_score_scenarios()
        inputs = cycle._scenario_inputs()
        depot = self._at(cycle.forecast_ids, self.depot, self.pump)
        purchased = dict(
            zip(inputs.items["item_id"], inputs.items["purchased"], strict=True)
        )
        self.assertFalse(purchased[depot.id])
        base = cycle.scenario_ids.filtered("is_base")
        evaluation = evaluate_plan(inputs, n_paths=SCENARIO_PATHS, seed=SCENARIO_SEED)
        spend = evaluation.spend.groupby("item_id")["purchase_spend"].sum()
        self.assertEqual(spend.get(depot.id, 0.0), 0.0)
        self.assertGreater(spend.sum(), 0.0)
        self.assertAlmostEqual(base.purchase_spend, spend.sum(), delta=0.01)

    def test_a_depot_adjustment_sets_its_own_and_its_sources_level(self):
        """A planner's adjustment of the depot's first month is the depot's
        plan and what it pulls from the main warehouse: both policies take
        the plan's level; one in the plan's last month neither."""
        cycle = self._two_warehouse_plan(self.pump)
        depot_lines = self._at(self._lines(cycle, self.pump), self.depot).sorted(
            "date_month"
        )
        cycle.action_run_supply_review()  # the depot's route and source
        forecasts = cycle.forecast_ids
        items, _skipped = cycle._policy_items(forecasts)
        adjust = {"adjustment_qty": 5.0, "adjustment_reason": "customer"}
        depot_lines[-1].with_user(self.planner).write(adjust)
        self.assertEqual(cycle._plan_adjusted_items(items), set())
        depot_lines[0].with_user(self.planner).write(adjust)
        self.assertEqual(cycle._plan_adjusted_items(items), set(forecasts.ids))

    def test_scenarios_count_the_depots_sales_once(self):
        """The main warehouse's demand carries what the depot pulls, for its
        stock; the base plan's revenue counts the depot's sales at the depot
        only, as the plan's revenue does (it read the plan's revenue plus
        the depot's)."""
        cycle = self._two_warehouse_plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        cycle.with_user(self.planner).action_score_scenarios()
        base = cycle.scenario_ids.filtered("is_base")
        self.assertGreater(cycle.revenue_total, 0.0)
        self.assertGreater(base.revenue, 0.8 * cycle.revenue_total)
        self.assertLessEqual(base.revenue, cycle.revenue_total * 1.001)

    def test_each_warehouse_keeps_its_own_approved_plan(self):
        """The main warehouse and the depot planned in cycles of their own
        stay approved side by side: the depot's approval and the nightly
        refresh leave the main warehouse's policy and rule as they are; the
        depot's next plan closes the depot's plan only, a plan of both
        warehouses closes both."""
        main = self._approve(self._plan(self.pump, self.warehouse))
        policy = main.policy_ids
        rule = policy.orderpoint_id
        self.assertTrue(rule.product_min_qty)
        depot = self._approve(self._plan(self.pump, self.depot))
        self.assertEqual((main.state, depot.state), ("approved", "approved"))
        self.assertTrue(main.is_active_plan)
        self.assertTrue(policy.active, "the main warehouse's policy stays")
        self.assertEqual(policy.cycle_id, main)
        self.assertEqual(rule.sop_policy_id, policy)
        refresh = self.env.ref("sop_planning.ir_cron_sop_refresh_plan")
        with (
            self.enter_registry_test_mode(),
            self.assertNoLogs("odoo.addons.sop_planning", "WARNING"),
        ):
            refresh.method_direct_trigger()
        self.assertTrue(policy.active, "the refresh of the depot's plan keeps it")
        self.assertTrue(depot.policy_ids.active)

        depot_next = self._approve(self._plan(self.pump, self.depot, ahead=1))
        self.assertEqual(
            (main.state, depot.state, depot_next.state),
            ("approved", "closed", "approved"),
        )
        self.assertIn(depot_next.name, depot.message_ids[0].preview)
        both = self._approve(
            self._plan(self.pump, self.warehouse | self.depot, ahead=2)
        )
        self.assertEqual(
            (main.state, depot_next.state, both.state),
            ("closed", "closed", "approved"),
        )
        self.assertEqual(policy.cycle_id, both, "the policy follows the new plan")

    def test_a_plan_of_the_depot_does_not_close_the_plan_of_both(self):
        """Approving a depot-only plan would close the plan of both
        warehouses and leave the main warehouse without a plan: refused,
        naming what would be left; once the executive closed that plan by
        hand, the depot's plan is approved."""
        # a part without a vendor: a skipped policy at both, no rule to lose
        orphan = self._product("No Vendor Part")
        both = self._approve(self._two_warehouse_plan(self.pump | self.valve | orphan))
        main_policies = self._at(both.policy_ids, self.warehouse)
        self.assertEqual(
            self._at(main_policies, self.warehouse, orphan).state, "skipped"
        )
        depot = self._plan(self.pump | self.valve, self.depot, ahead=1)
        self._to_executive_review_from_demand(depot)
        with self.assertRaisesRegex(
            UserError,
            f"would close the approved plan {both.name}, which also plans 1 "
            f"product.* at {self.warehouse.name}\\): they would be left",
        ):
            depot.with_user(self.executive).action_approve()
        self.assertEqual((both.state, depot.state), ("approved", "executive_review"))
        self.assertTrue(all(main_policies.mapped("active")))
        both.with_user(self.executive).action_close()
        depot.with_user(self.executive).action_approve()
        self.assertEqual(depot.state, "approved")

    def test_depot_planned_in_its_own_cycle_still_pulls_from_the_main(self):
        """The depot's plan approved in a cycle of its own: the main
        warehouse's pump plans what the depot pulls, once the nightly
        refresh reads it (the main plan approved first) as when both were
        in one cycle; the valve, bought at the depot, pulls nothing."""
        main = self._approve(self._plan(self.pump | self.valve, self.warehouse))
        pump = self._at(main.policy_ids, self.warehouse, self.pump)
        valve = self._at(main.policy_ids, self.warehouse, self.valve)
        own = pump.lead_time_demand
        self.assertAlmostEqual(own, valve.lead_time_demand, delta=2.0)
        self._approve(self._plan(self.pump | self.valve, self.depot))
        refresh = self.env.ref("sop_planning.ir_cron_sop_refresh_plan")
        with self.enter_registry_test_mode():
            refresh.method_direct_trigger()
        self.assertAlmostEqual(pump.lead_time_demand, 2 * own, delta=2.0)
        self.assertAlmostEqual(valve.lead_time_demand, own, delta=2.0)
        self.assertIn("what DEP pulls from here", pump.explanation)

    def test_main_warehouse_planned_after_its_depot_projects_its_pull(self):
        """The depot's own plan approved first: the main warehouse's supply
        review projects what the depot pulls each month, and its policy
        plans it, as when both were in one cycle."""
        self._approve(self._plan(self.pump, self.depot))
        main = self._plan(self.pump | self.valve, self.warehouse)
        main.action_submit_supply_review()
        lines = self._lines(main, self.pump).sorted("date_month")[:-1]
        for line in lines:  # the last month lacks the month after it
            self.assertAlmostEqual(line.pulled_qty, line.consensus_qty, places=6)
        self.assertFalse(sum(self._lines(main, self.valve).mapped("pulled_qty")))
        main.action_submit_reconciliation()
        main.action_submit_executive_review()
        main.with_user(self.executive).action_approve()
        pump = self._at(main.policy_ids, self.warehouse, self.pump)
        valve = self._at(main.policy_ids, self.warehouse, self.valve)
        self.assertAlmostEqual(
            pump.lead_time_demand, 2 * valve.lead_time_demand, delta=2.0
        )

    def test_depot_of_another_plan_is_pulled_before_the_main_plan_starts(self):
        """The depot's plan of this month approved, the main warehouse's
        prepared for next month: what the depot still sells this month (its
        plan's month less what it has delivered) is restocked from the main
        warehouse before the main plan starts, as for a depot of its own
        cycle."""
        depot_plan = self._approve(self._plan(self.pump, self.depot))
        this_month = self._lines(depot_plan, self.pump).sorted("date_month")[0]
        self._done_move(
            self.pump, self.depot.lot_stock_id, self.customers, 100, date.today()
        )
        self.assertGreater(this_month.consensus_qty, 100)
        main = self._plan(self.pump, self.warehouse, ahead=1)
        main.action_submit_supply_review()
        lines = self._lines(main, self.pump).sorted("date_month")
        self.assertAlmostEqual(
            lines[0].pulled_qty,
            lines[0].consensus_qty + this_month.consensus_qty - 100,
            places=1,
        )
        self.assertAlmostEqual(lines[1].pulled_qty, lines[1].consensus_qty, places=6)

    def test_depot_plan_prepared_ahead_gives_what_it_stored_before_it(self):
        """Both plans start next month: the depot's demand of this month is
        the forecast its plan stored for it (``gap_forecast``)."""
        depot_plan = self._plan(self.pump, self.depot, ahead=1)
        self._forecast(depot_plan, self.pump).sudo().gap_forecast = {
            self.this_month.isoformat(): 50.0
        }
        self._approve(depot_plan)
        main = self._plan(self.pump, self.warehouse, ahead=1)
        main.action_submit_supply_review()
        lines = self._lines(main, self.pump).sorted("date_month")
        self.assertAlmostEqual(
            lines[0].pulled_qty, lines[0].consensus_qty + 50.0, places=6
        )

    def test_depot_plan_starting_later_pulls_what_it_kept_for_the_months_before(
        self,
    ):
        """The depot's plan starts in two months, the main warehouse's next
        month: the depot's demand of this month and of next month is the
        forecast its plan kept (``gap_forecast``), pulled before and in the
        main plan's first month."""
        depot_plan = self._plan(self.pump, self.depot, ahead=2)
        forecast = self._forecast(depot_plan, self.pump)
        forecast.sudo().gap_forecast = {
            self.this_month.isoformat(): 50.0,
            self._month(1).isoformat(): 60.0,
        }
        self._approve(depot_plan)
        share = forecast.lead_time_days / MONTH_DAYS  # pulled a month early
        depot_first = self._lines(depot_plan, self.pump).sorted("date_month")[0]
        main = self._plan(self.pump, self.warehouse, ahead=1)
        main.action_submit_supply_review()
        lines = self._lines(main, self.pump).sorted("date_month")
        self.assertAlmostEqual(
            lines[0].pulled_qty,
            50.0 + 60.0 * (1 - share) + depot_first.consensus_qty * share,
            places=1,
        )

    def test_depot_product_in_two_plans_is_pulled_once(self):
        """The pump moved to another category after the depot's first plan:
        two approved depot plans hold it; the main warehouse pulls the
        depot's demand once (from the plan approved last)."""
        self._approve(self._plan(self.pump, self.depot))
        moved = self.env["product.category"].create({"name": "Moved pumps"})
        self.pump.categ_id = moved
        self._approve(self._plan(self.pump, self.depot, category=moved))
        main = self._approve(self._plan(self.pump | self.valve, self.warehouse))
        pump = self._at(main.policy_ids, self.warehouse, self.pump)
        valve = self._at(main.policy_ids, self.warehouse, self.valve)
        self.assertAlmostEqual(
            pump.lead_time_demand, 2 * valve.lead_time_demand, delta=2.0
        )
        self.assertEqual(pump.explanation.count("DEP"), 1)
