from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, fields
from odoo.tests import freeze_time, new_test_user, tagged

from .common_policy import SopPolicyCase


@tagged("post_install", "-at_install")
class TestPolicyRefresh(SopPolicyCase):
    """Nightly and daily runs update in place, post little, close their to-dos."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env, "sop_refresh_buyer", groups="purchase.group_purchase_user"
        )
        cls.company_a.sop_purchase_user_id = cls.buyer
        cls.gasket = cls._product("Gasket", standard_price=2.0)
        cls.gasket.seller_ids = [(0, 0, {"partner_id": cls.vendor.id, "delay": 30})]
        cls.refresh_cron = cls.env.ref("sop_planning.ir_cron_sop_refresh_plan")

    def _refresh(self):
        with self.enter_registry_test_mode():
            self.refresh_cron.method_direct_trigger()
        self.env.invalidate_all()

    def _double_the_plan(self, cycle):
        """The plan asks twice as much (as if it were re-read after a change)."""
        self.env.cr.execute(
            "UPDATE sop_plan_line SET consensus_qty = consensus_qty * 2 "
            "WHERE cycle_id = %s",
            [cycle.id],
        )
        self.env.invalidate_all()

    def _nightly_messages(self, cycle):
        return cycle.message_ids.filtered(lambda m: "Nightly refresh" in m.body)

    def _open_todos(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "sop.cycle"),
                ("user_id", "=", self.buyer.id),
                ("summary", "like", "reorder proposals to review"),
            ]
        )

    def test_refresh_keeps_ids_and_links_and_posts_one_summary(self):
        cycle = self._approve(self._plan(self.pump))
        policy = cycle.policy_ids
        rule = policy.orderpoint_id.sudo()
        self._run_cron()
        proposal = self._proposals(self.pump)
        old_min, old_max = rule.product_min_qty, rule.product_max_qty

        self._refresh()
        self.assertFalse(self._nightly_messages(cycle), "nothing moved: no message")
        self.assertEqual(policy.change_ids.mapped("kind"), ["created"])

        self._double_the_plan(cycle)
        self._refresh()
        self.assertEqual(cycle.policy_ids, policy, "same policy, same id")
        self.assertEqual(policy.orderpoint_id, rule)
        self.assertEqual(rule.sop_policy_id, policy)
        self.assertEqual(proposal.policy_id, policy)
        self.assertEqual(proposal.cycle_id, cycle)
        self.assertAlmostEqual(rule.product_min_qty, policy.reorder_point, places=2)
        self.assertGreater(rule.product_min_qty, old_min + 250)
        change = policy.change_ids[0]
        self.assertEqual(change.kind, "refresh")
        self.assertAlmostEqual(change.old_reorder_point, old_min, places=2)
        self.assertAlmostEqual(change.new_reorder_point, rule.product_min_qty, 2)
        self.assertAlmostEqual(change.old_max_qty, old_max, places=2)
        self.assertRegex(change.reason_display, r"lead time 300\.\d+ -> 600\.\d+")
        # in the words of the reader, not of the nightly run
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(["sop_planning"], ["da_DK"])
        danish = change.with_context(lang="da_DK").reason_display
        self.assertIn("Natlig opdatering af plan", danish)
        self.assertRegex(danish, r"300,\d+ -> 600,\d+")
        message = self._nightly_messages(cycle)
        self.assertEqual(len(message), 1)
        self.assertIn("inventory policies: 1 moved by more than 10 %", message.body)
        self.assertIn(f'data-oe-id="{policy.id}"', message.body.replace("'", '"'))

        self._refresh()  # the same figures again: quiet
        self.assertEqual(len(self._nightly_messages(cycle)), 1)
        self.assertEqual(len(policy.change_ids), 2)

    def test_refresh_follows_the_vendors_new_lead_time(self):
        """The vendor now delivers in 90 days instead of 30: the next night's
        policy and rule plan on it, while the approved plan keeps the terms
        it was reviewed with."""
        cycle = self._approve(self._plan(self.pump))
        policy = cycle.policy_ids
        rule = policy.orderpoint_id.sudo()
        old_days, old_min = policy.lead_time_days, rule.product_min_qty
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.pump.seller_ids.delay = 90

        self._refresh()
        # the proposal quotes the source its figures were planned with
        self.assertIn(
            f"Source: {self.vendor.display_name}, 30 days.",
            proposal.explanation_display,
        )
        self.assertAlmostEqual(policy.lead_time_days, old_days + 60, places=2)
        self.assertGreater(rule.product_min_qty, old_min + 400, "two more months")
        self.assertAlmostEqual(rule.product_min_qty, policy.reorder_point, places=2)
        self.assertIn("90 days", policy.supply_source)
        # written by the cron in English, read by a Danish buyer in Danish
        self.env["res.lang"]._activate_lang("da_DK")
        danish = policy.with_context(lang="da_DK").supply_source_display
        self.assertIn("90 dage", danish)
        self.assertNotIn("days", danish)
        self.assertRegex(
            policy.change_ids[0].reason_display,
            rf"lead time \(days\) {old_days:.2f} -> {old_days + 60:.2f}",
        )
        forecast = self.env["sop.forecast"].search([("cycle_id", "=", cycle.id)])
        self.assertEqual(forecast.lead_time_days, 30, "the plan as approved")

    def test_a_vendor_added_after_approval_is_planned_the_next_night(self):
        """Approved without a vendor, the policy says to set one; once the
        buyer does, the next night's refresh plans it and sets its rule."""
        tap = self._product("Tap", standard_price=3.0)
        cycle = self._approve(self._plan(tap))
        policy = cycle.policy_ids
        self.assertEqual(policy.state, "skipped")
        self.assertIn("set a vendor", policy.skip_reason)
        self._vendor_price(tap, 10)

        self._refresh()
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        self.assertEqual(policy.supply_route, "buy")
        self.assertAlmostEqual(policy.lead_time_days, 10.0, places=2)
        self.assertEqual(policy.orderpoint_id.product_min_qty, policy.reorder_point)

    def test_the_summary_to_do_goes_to_the_plans_approver_by_default(self):
        """No purchasing responsible set: the to-do is the approver's, not
        the database administrator's (another company's, maybe)."""
        self.company_a.sop_purchase_user_id = False
        cycle = self._approve(self._plan(self.pump))
        self._run_cron()
        todo = cycle.activity_ids.filtered(
            lambda a: "reorder proposals to review" in (a.summary or "")
        )
        self.assertEqual(todo.user_id, self.executive)

    def test_a_cancelled_rfq_leaves_one_open_proposal_per_rule(self):
        """Ordered, then the rule needs more (a new proposal for the rest),
        then the RFQ is cancelled: its proposal opens again next to the new
        one. The next run keeps one, for the whole need, so the vendor order
        does not buy both."""
        cycle = self._approve(self._plan(self.pump))
        self._run_cron()
        first = self._proposals(self.pump)
        first.with_user(self.buyer).action_confirm()
        self._double_the_plan(cycle)
        self._refresh()
        self._run_cron()
        rest = self._proposals(self.pump) - first
        self.assertEqual(rest.state, "proposed", "a proposal for the rest")
        first.purchase_id.button_cancel()
        self.assertEqual(first.state, "proposed", "opened again")

        self._run_cron()
        rule = cycle.policy_ids.orderpoint_id.sudo()
        open_ones = self._proposals(self.pump).filtered(
            lambda p: p.state in ("proposed", "exception")
        )
        self.assertEqual(len(open_ones), 1)
        self.assertAlmostEqual(
            open_ones.quantity, rule.product_max_qty, places=2, msg="the whole need"
        )
        lines = self.env["sop.vendor.order.line"].search(
            [("product_id", "=", self.pump.id), ("order_id.state", "=", "draft")]
        )
        self.assertLessEqual(len(lines), 1)

    def test_rule_moved_by_the_refresh_is_proposed_again_the_same_day(self):
        """The daily run already ran today; the refresh raises the rule: its
        open proposal is proposed again at once, not ordered as it was."""
        cycle = self._approve(self._plan(self.pump))
        rule = cycle.policy_ids.orderpoint_id.sudo()
        self._run_cron()
        proposal = self._proposals(self.pump)
        old_qty = proposal.quantity
        rule.sop_date_checked = fields.Date.today()  # today's run is done
        cron = self.env.ref("sop_planning.ir_cron_sop_replenish")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        self._double_the_plan(cycle)
        self._refresh()
        self.assertFalse(rule.sop_date_checked, "the rule waits for the daily run")
        self.assertGreater(
            Trigger.search_count([("cron_id", "=", cron.id)]),
            triggers,
            "the daily run is asked for now",
        )
        self._run_cron()
        self.assertEqual(self._proposals(self.pump), proposal, "updated in place")
        self.assertEqual(proposal.reorder_point, rule.product_min_qty)
        self.assertGreater(proposal.quantity, old_qty + 250)

    def test_odoos_clean_up_keeps_the_plans_rules(self):
        """Odoo deletes the superuser's manual rules with nothing left to
        order (daily, on opening the replenishment report, after Order
        Once); the plan's rules, which the nightly refresh creates as the
        cron's user, stay, refilled or just ordered."""
        cycle = self._approve(self._plan(self.pump))
        Rule = self.env["stock.warehouse.orderpoint"]
        rule = Rule.browse(self._policy(cycle, self.pump).orderpoint_id.id)
        self.assertEqual(rule.trigger, "manual")
        self.env.cr.execute(
            "UPDATE stock_warehouse_orderpoint SET create_uid = %s WHERE id = %s",
            [SUPERUSER_ID, rule.id],
        )
        reports_own = Rule.create(
            {
                "product_id": self.orphan.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "trigger": "manual",
            }
        )
        self.env.invalidate_all()
        self.assertGreater(rule.qty_to_order, 0.0)
        rule.action_replenish()  # Order Once: it is on order now
        self.env.invalidate_all()
        self.assertTrue(rule.exists())
        self.assertLessEqual(rule.qty_to_order, 0.0)
        Rule._unlink_processed_orderpoints()  # Odoo's daily autovacuum
        self.assertFalse(reports_own.exists(), "Odoo's clean-up still works")
        Rule.action_open_orderpoints()  # the Replenishment menu
        self.assertTrue(rule.exists())
        self.assertEqual(self._policy(cycle, self.pump).orderpoint_id.id, rule.id)

    def test_archived_product_or_rule_leaves_the_refresh_running(self):
        """Archiving a product archives its rule (Odoo), which still holds its
        product and location: the refresh recreated it, hit the unique
        constraint and every later night failed the whole plan. Now the
        product's policy is skipped, a rule a user archived stays archived
        (as Odoo's replenishment report leaves it) and the rest refresh."""
        cycle = self._approve(self._plan(self.pump | self.gasket))
        Rule = self.env["stock.warehouse.orderpoint"].sudo()
        Rule = Rule.with_context(active_test=False)
        gasket_rule = Rule.browse(self._policy(cycle, self.gasket).orderpoint_id.id)
        pump_policy = self._policy(cycle, self.pump)
        self.gasket.product_tmpl_id.sudo().active = False
        self.assertFalse(gasket_rule.active, "Odoo archives the product's rule")

        self._double_the_plan(cycle)
        self._refresh()
        gasket_policy = self._policy(cycle, self.gasket)
        self.assertEqual(gasket_policy.state, "skipped")
        self.assertIn("archived", gasket_policy.skip_reason)
        self.assertEqual(
            Rule.search([("product_id", "=", self.gasket.id)]), gasket_rule
        )
        self.assertFalse(gasket_rule.active)
        self.assertEqual(pump_policy.change_ids[0].kind, "refresh", "the pump moved")
        self.assertAlmostEqual(
            Rule.browse(pump_policy.orderpoint_id.id).product_min_qty,
            pump_policy.reorder_point,
            2,
        )

        pump_rule = Rule.browse(pump_policy.orderpoint_id.id)
        pump_rule.active = False  # a user stops the pump's rule
        self._double_the_plan(cycle)
        self._refresh()
        self.assertEqual(pump_policy.state, "manual")
        self.assertEqual(pump_policy.orderpoint_id, pump_rule)
        self.assertFalse(pump_rule.active)

    def test_skip_reason_of_a_nightly_run_read_in_the_readers_language(self):
        """OdooBot (English) runs the nightly refresh; a Danish planner reads
        why a policy is skipped in Danish, an English one in English; a
        reason without its words (planned before they were stored) shows its
        text."""
        danish_planner = self._danish_reader(
            "sop_danish_planner", "sop_planning.group_sop_user"
        )
        cycle = self._approve(self._plan(self.pump | self.gasket))
        self.gasket.product_tmpl_id.sudo().active = False
        self._refresh()
        policy = self._policy(cycle, self.gasket)
        english = "Product archived: no reordering rule is planned for it."
        self.assertEqual(policy.skip_reason, english, "as OdooBot wrote it")
        danish = policy.with_user(danish_planner).with_context(lang="da_DK")
        self.assertEqual(
            danish.skip_reason_display,
            "Produkt arkiveret: der planlægges ingen genbestillingsregel for det.",
        )
        self.assertEqual(policy.with_context(lang="en_US").skip_reason_display, english)
        policy.sudo().skip_words = False
        danish.invalidate_recordset()
        self.assertEqual(danish.skip_reason_display, english)

    def test_scheduled_runs_write_for_whom_they_are_for(self):
        """OdooBot (English) runs the daily and nightly jobs: the buyer's
        to-do is in the buyer's Danish, the refresh's note on a plan a
        Danish executive approved in Danish."""
        executive = self._danish_reader(
            "sop_danish_executive", "sop_planning.group_sop_executive"
        )
        self.env["ir.module.module"]._load_module_terms(["sop_planning"], ["da_DK"])
        self.buyer.lang = "da_DK"
        cycle = self._approve(self._plan(self.pump), executive=executive)
        self._run_cron()
        todo = self.env["mail.activity"].search(
            [("res_model", "=", "sop.cycle"), ("user_id", "=", self.buyer.id)]
        )
        self.assertEqual(todo.summary, "1 genbestillingsforslag til gennemsyn")
        self.assertIn("genopfyldningskørslen foreslår 1 indkøb", todo.note)
        self._double_the_plan(cycle)
        self._refresh()
        note = cycle.message_ids[0]
        self.assertIn("Natlig opdatering af lagerpolitikkerne: 1 flyttede", note.body)

    def test_a_product_moved_into_another_plans_scope_stays_with_the_last(self):
        """The pump moves to a category another plan covers: both approved
        plans plan it, the one approved last keeps its policy and rule
        through every night's refresh (they took it in turn); the first
        plan keeps its valve."""
        first = self._approve(self._plan(self.pump | self.valve))
        moved = self.env["product.category"].create({"name": "Moved pumps"})
        self.pump.categ_id = moved
        second = self._approve(self._plan(self.pump, category=moved))
        self.assertEqual((first.state, second.state), ("approved", "approved"))
        pump = self._policy(second, self.pump)
        rule = pump.orderpoint_id.sudo()
        valve = self._policy(first, self.valve)
        for _night in range(2):
            self._refresh()
            self.assertEqual(pump.cycle_id, second)
            self.assertEqual(rule.sop_policy_id.cycle_id, second)
            self.assertTrue(valve.active)
            self.assertEqual(valve.cycle_id, first)
        self.assertFalse(pump.change_ids.filtered(lambda c: c.kind == "refresh"))

    def test_small_moves_stay_out_of_the_chatter(self):
        cycle = self._approve(self._plan(self.pump))
        policy = cycle.policy_ids
        self.env.cr.execute(
            "UPDATE sop_plan_line SET consensus_qty = consensus_qty * 1.05 "
            "WHERE cycle_id = %s",
            [cycle.id],
        )
        self.env.invalidate_all()
        old_min = policy.reorder_point
        self._refresh()
        self.assertGreater(policy.reorder_point, old_min + 10, "the rule follows")
        self.assertAlmostEqual(
            policy.orderpoint_id.sudo().product_min_qty, policy.reorder_point, 2
        )
        self.assertFalse(self._nightly_messages(cycle), "5 % is not material")
        self.assertEqual(policy.change_ids.mapped("kind"), ["created"])

    def test_rules_written_through_orm_only_when_changed(self):
        """An add-on overriding the rule's write sees every change S&OP makes."""
        cycle = self._approve(self._plan(self.pump | self.gasket))
        rules = cycle.policy_ids.orderpoint_id.sudo()
        orderpoint_class = type(self.env["stock.warehouse.orderpoint"])
        original_write = orderpoint_class.write
        with patch.object(
            orderpoint_class, "write", autospec=True, side_effect=original_write
        ) as write:
            self._refresh()
            self.assertFalse(write.called, "nothing changed: no rule written")
            self._double_the_plan(cycle)
            self._refresh()
        written = {}
        for (records, vals), _kwargs in write.call_args_list:
            if "product_min_qty" in vals:
                for record in records:
                    written[record] = vals
        self.assertEqual(set(written), set(rules))
        for rule in rules:
            self.assertAlmostEqual(
                written[rule]["product_min_qty"], rule.product_min_qty, places=2
            )
            self.assertEqual(set(written[rule]), {"product_min_qty", "product_max_qty"})

    def test_new_plan_takes_the_policies_over_and_archives_the_rest(self):
        first = self._approve(self._plan(self.pump | self.gasket))
        pump_policy = first.policy_ids.filtered(lambda p: p.product_id == self.pump)
        gasket_policy = first.policy_ids - pump_policy
        self._run_cron()
        proposals = self._proposals(self.pump) | self._proposals(self.gasket)
        proposals.with_user(self.buyer).action_confirm()

        second = self._approve(self._plan(self.pump))
        self.assertEqual(first.state, "closed")
        self.assertEqual(second.policy_ids, pump_policy, "same record, new plan")
        self.assertEqual(pump_policy.cycle_id, second)
        # the same plan again leaves the policy as it was: no history row
        # (twelve a year pushed the real changes out of the last 20)
        self.assertEqual(pump_policy.change_ids.mapped("kind"), ["created"])
        created = pump_policy.change_ids
        # small moves add up: material since the row kept, the plan says so
        # (not the next nightly refresh)
        levels = []
        for more in (20.0, 40.0):
            plan = self._plan(self.pump)
            plan.plan_line_ids.write(
                {"adjustment_qty": more, "adjustment_reason": "market"}
            )
            self._approve(plan)
            levels.append(pump_policy.reorder_point)
        self.assertLess(levels[0], created.new_reorder_point * 1.1)
        self.assertLess(levels[1], levels[0] * 1.1, "under 10 % from the last plan")
        self.assertEqual(pump_policy.change_ids.mapped("kind"), ["plan", "created"])
        self.assertEqual(pump_policy.change_ids.mapped("cycle_id"), plan | first)
        self.assertEqual(
            pump_policy.change_ids[0].old_reorder_point, created.new_reorder_point
        )
        self.assertFalse(gasket_policy.active, "gasket left the plan: archived")
        self.assertEqual(gasket_policy.change_ids[0].kind, "archived")
        self.assertTrue(gasket_policy.orderpoint_id.sop_managed, "its rule is kept")
        for proposal in proposals:
            self.assertTrue(proposal.policy_id.exists())
            self.assertEqual(proposal.cycle_id, first, "ordered under the first plan")
        self.assertEqual(
            self.env["sop.inventory.policy"]
            .with_context(active_test=False)
            .search_count([("product_id", "in", (self.pump | self.gasket).ids)]),
            2,
        )

    def test_plan_closed_by_hand_archives_its_policies_keeps_its_rules(self):
        cycle = self._approve(self._plan(self.pump))
        policy = cycle.policy_ids
        rule = policy.orderpoint_id.sudo()
        levels = rule.product_min_qty, rule.product_max_qty
        self.assertGreater(levels[1], 0)

        cycle.with_user(self.executive).action_close()
        self.assertEqual(cycle.state, "closed")
        self.assertFalse(policy.active, "no plan refreshes it any more")
        self.assertEqual(policy.change_ids[0].kind, "archived")
        self.assertIn("closed", policy.change_ids[0].reason_display)
        self.assertIn("1 inventory policies archived", cycle.message_ids[0].body)
        self.assertTrue(rule.active and rule.sop_managed, "its rule is kept")
        self.assertEqual((rule.product_min_qty, rule.product_max_qty), levels)

        self._double_the_plan(cycle)
        self._refresh()
        self.assertFalse(policy.active, "the nightly run leaves it archived")
        self.assertEqual((rule.product_min_qty, rule.product_max_qty), levels)

        later = self._approve(self._plan(self.pump))
        self.assertEqual(later.policy_ids, policy, "the next plan takes it back")
        self.assertTrue(policy.active)

    def test_open_proposals_name_the_plan_that_now_sets_their_rule(self):
        first = self._approve(self._plan(self.pump | self.gasket))
        self._run_cron()
        ordered = self._proposals(self.gasket)
        ordered.with_user(self.buyer).action_confirm()
        open_one = self._proposals(self.pump)
        self.assertEqual(open_one.cycle_id, first)
        second = self._approve(self._plan(self.pump | self.gasket))
        self.assertEqual(open_one.state, "proposed")
        self.assertEqual(open_one.cycle_id, second, "the plan of its rule now")
        self.assertEqual(ordered.cycle_id, first, "ordered under the first plan")

    def test_older_per_plan_policies_archived_by_the_next_refresh(self):
        """A database from when each plan had its own policies heals itself."""
        cycle = self._approve(self._plan(self.pump))
        older = cycle.policy_ids
        rule = older.orderpoint_id.sudo()
        self.env.cr.execute("DROP INDEX sop_inventory_policy_product_warehouse_unique")
        newer = older.sudo().copy()  # the active plan's own policy, created last
        self._refresh()
        self.assertEqual(cycle.policy_ids, newer)
        self.assertFalse(older.active)
        self.assertEqual(older.change_ids[0].kind, "archived")
        self.assertEqual(rule.sop_policy_id, newer, "the rule follows the kept one")

    def test_todo_reused_next_day_and_closed_when_last_proposal_ordered(self):
        cycle = self._approve(self._plan(self.pump | self.gasket))
        self._run_cron()
        todo = self._open_todos()
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.summary, "2 reorder proposals to review")

        self._proposals(self.pump).with_user(self.buyer).action_confirm()
        self._run_cron()  # the next day: one proposal still open
        self.assertEqual(self._open_todos(), todo, "the open to-do is reused")
        self.assertEqual(todo.summary, "1 reorder proposals to review")
        self.assertEqual(todo.date_deadline, fields.Date.context_today(todo))

        self._proposals(self.gasket).with_user(self.buyer).action_confirm()
        self.assertFalse(self._open_todos(), "the last proposal is ordered")
        self.assertFalse(todo.active)
        self.assertIn("Every proposal announced", todo.feedback)
        self.assertNotIn(todo, cycle.activity_ids)

    def test_thirty_days_leave_one_policy_linked_proposals_one_todo(self):
        products = self.pump | self.gasket
        first = self._approve(self._plan(products))
        start = fields.Date.today()
        received = {}
        nightly_days = 0
        for day in range(30):
            today = start + timedelta(days=day)
            with freeze_time(today):
                if day == 12:  # next month's plan, without the gasket
                    self._approve(self._plan(self.pump))
                moved_before = self._count_changes("refresh")
                self._refresh()
                nightly_days += self._count_changes("refresh") > moved_before
                self._run_cron()
                proposed = self.env["sop.reorder.proposal"].search(
                    [("state", "=", "proposed")]
                )
                if day % 3 != 2:  # the buyer orders on two days out of three
                    proposed.with_user(self.buyer).action_confirm()
                self._receive_orders(today, received)
                for product in products:
                    on_hand = product.with_context(
                        warehouse_id=self.warehouse.id
                    ).qty_available
                    if on_hand > 0:
                        self._done_move(
                            product,
                            self.stock,
                            self.customers,
                            min(40.0, on_hand),
                            today,
                        )
                self.assertLessEqual(len(self._open_todos()), 1, f"day {day}")
        policies = (
            self.env["sop.inventory.policy"]
            .with_context(active_test=False)
            .search([("company_id", "=", self.company_a.id)])
        )
        keys = [(p.product_id, p.warehouse_id) for p in policies]
        self.assertEqual(
            len(keys), len(set(keys)), "one policy per product x warehouse"
        )
        self.assertEqual(len(keys), 2)
        proposals = self.env["sop.reorder.proposal"].search([])
        self.assertGreater(len(proposals), 2, "the run ordered more than once")
        self.assertFalse(proposals.filtered(lambda p: not p.policy_id))
        self.assertFalse(proposals.filtered(lambda p: not p.cycle_id))
        still_open = proposals.filtered(lambda p: p.state in ("proposed", "exception"))
        self.assertEqual(len(self._open_todos()), 1 if still_open else 0)
        done = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search_count([("user_id", "=", self.buyer.id), ("active", "=", False)])
        )
        self.assertGreater(done, 1, "to-dos closed as the proposals were ordered")
        nightly = self._nightly_messages(first) | self._nightly_messages(
            first.search([("state", "=", "approved")])
        )
        self.assertEqual(len(nightly), nightly_days, "one message per day that moved")

    def _count_changes(self, kind):
        return self.env["sop.inventory.policy.change"].search_count(
            [("kind", "=", kind)]
        )

    def _receive_orders(self, today, received):
        """Confirm the RFQs and receive what was ordered five days ago."""
        self.env["purchase.order"].search([("state", "=", "draft")]).button_confirm()
        for picking in self.env["stock.picking"].search(
            [
                ("picking_type_code", "=", "incoming"),
                ("state", "not in", ("done", "cancel")),
            ]
        ):
            first_seen = received.setdefault(picking.id, today)
            if (today - first_seen).days >= 5:
                for move in picking.move_ids:
                    move.quantity = move.product_uom_qty
                picking.move_ids.picked = True
                picking._action_done()
