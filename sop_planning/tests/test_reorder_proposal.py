from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, LockError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import formatLang

from .common_policy import SopPolicyCase


@tagged("post_install", "-at_install")
class TestReorderProposal(SopPolicyCase):
    """The daily run proposes purchases for S&OP rules; purchasing orders them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env, "sop_buyer", groups="purchase.group_purchase_user"
        )
        cls.cron = cls.env.ref("sop_planning.ir_cron_sop_replenish")

    def test_run_proposes_order_up_to_level_and_explains_why(self):
        cycle = self._approve(self._plan(self.pump))
        rule = cycle.policy_ids.orderpoint_id.sudo()
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertEqual(len(proposal), 1)
        self.assertEqual(proposal.state, "proposed")
        self.assertEqual(proposal.vendor_id, self.vendor)
        # nothing on hand or incoming: order up to the maximum
        self.assertAlmostEqual(proposal.quantity, rule.product_max_qty, delta=1.0)
        self.assertEqual(proposal.cycle_id, cycle)
        self.assertEqual(
            proposal.date_needed, fields.Date.today() + relativedelta(days=30)
        )
        self.assertIn("below the reorder point", proposal.explanation)
        self.assertIn("safety stock", proposal.explanation)
        # the policy's trace it quotes, in a Danish buyer's words
        self.assertIn(" d (lead ", proposal.explanation)
        self.env["res.lang"]._activate_lang("da_DK")
        danish = proposal.with_context(lang="da_DK").explanation_display
        self.assertIn(" d (leveringstid ", danish)
        self.assertNotIn(" d (lead ", danish)

    def test_vendor_minimum_explained_in_the_products_unit(self):
        """The vendor sells packs of 6, from 2 packs: the explanation gives
        the minimum in pieces (12 Units), like every other quantity in it."""
        self.pump.seller_ids.write(
            {"product_uom_id": self.env.ref("uom.product_uom_pack_6").id, "min_qty": 2}
        )
        self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertIn("(vendor minimum 12 Units)", proposal.explanation)

    def test_the_explanation_writes_numbers_as_the_reader_does(self):
        """Whole pieces without decimals, estimates with the reader's decimal
        comma (a Danish buyer read "33.0" and "21.89")."""
        cycle = self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        rule = cycle.policy_ids.orderpoint_id.sudo()
        self.env["res.lang"]._activate_lang("da_DK")
        danish = proposal.with_context(lang="da_DK").explanation_display
        point = formatLang(
            proposal.with_context(lang="da_DK").env, rule.product_min_qty, digits=0
        )
        self.assertIn(f"genbestillingspunktet {point}.", danish)
        safety = f"{proposal.safety_stock:.2f}"
        self.assertIn(f"sikkerhedslager {safety.replace('.', ',')}", danish)
        self.assertNotIn(safety, danish)

    def test_a_vendor_minimum_raised_after_approval_is_ordered(self):
        """The vendor raises its minimum above what the rule needs after the
        plan was approved: the proposal orders the minimum from that vendor
        (it read "No vendor" and nothing was ordered)."""
        cycle = self._approve(self._plan(self.pump))
        rule = cycle.policy_ids.orderpoint_id.sudo()
        rule.trigger = "auto"  # Odoo drops a quantity typed on an automatic rule
        self.pump.seller_ids.write(
            {"min_qty": rule.product_max_qty + 100.0, "price": 40}
        )
        # a cheaper price break from 1000 more: the minimum is the first break
        self.pump.seller_ids.copy(
            {"min_qty": rule.product_max_qty + 1000.0, "price": 30}
        )
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertEqual(proposal.state, "proposed")
        self.assertEqual(proposal.vendor_id, self.vendor)
        self.assertEqual(proposal.quantity, rule.product_max_qty + 100.0)
        self.assertIn("(vendor minimum", proposal.explanation)
        proposal.with_user(self.buyer).action_confirm()
        self.assertEqual(proposal.purchase_line_id.product_qty, proposal.quantity)
        self.assertEqual(proposal.purchase_line_id.partner_id, self.vendor)
        # ordered once: the next runs propose nothing more (the quantity set
        # on the rule to order it was left there and bought every day)
        self.assertEqual(rule.qty_to_order_manual, 0.0)
        self._run_cron()
        self.assertEqual(self._proposals(self.pump), proposal)
        self.assertEqual(proposal.purchase_line_id.product_qty, proposal.quantity)

    def test_sentences_of_a_run_by_odoobot_read_in_the_readers_language(self):
        """OdooBot (English) runs the replenishment; a Danish buyer reads the
        proposal's sentences in Danish, the vendor's minimum included, an
        English buyer in English; a proposal made before its values were
        stored shows its text."""
        self.pump.seller_ids.write(
            {"product_uom_id": self.env.ref("uom.product_uom_pack_6").id, "min_qty": 2}
        )
        danish_buyer = self._danish_reader(
            "sop_danish_buyer", "purchase.group_purchase_user"
        )
        self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertIn("Projected stock", proposal.explanation, "as OdooBot wrote it")
        danish = (
            proposal.with_user(danish_buyer)
            .with_context(lang="da_DK")
            .explanation_display
        )
        self.assertIn(f"Købt hos {self.vendor.display_name}, 30 dage.", danish)
        self.assertIn("Forventet lager", danish)
        self.assertIn("(leverandørens minimum 12 ", danish)
        self.assertIn(" d (leveringstid ", danish, "the policy's trace, translated")
        self.assertIn(f"Kilde: {self.vendor.display_name}, 30 dage. ", danish)
        self.assertNotIn("Projected stock", danish)
        self.assertNotIn("Source:", danish)
        english = (
            proposal.with_user(self.buyer)
            .with_context(lang="en_US")
            .explanation_display
        )
        self.assertEqual(english, proposal.explanation)
        proposal.sudo().explanation_values = False
        proposal.explanation = "Projected stock before: d (lead 30"
        self.assertEqual(
            proposal.with_context(lang="da_DK").explanation_display,
            "Projected stock before: d (leveringstid 30",
        )

    def test_order_twice_adds_nothing_and_receipt_closes(self):
        self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        proposal.with_user(self.buyer).action_confirm()
        self.assertEqual(proposal.state, "ordered")
        line = proposal.purchase_line_id
        self.assertEqual(line.orderpoint_id, proposal.orderpoint_id)
        self.assertAlmostEqual(line.product_qty, proposal.quantity, delta=0.01)
        ordered = line.product_qty

        self._run_cron()
        self.assertEqual(self._proposals(self.pump), proposal, "no second proposal")
        self.assertEqual(line.product_qty, ordered, "the RFQ did not grow")
        # ordered again by a Danish buyer: told so, the state in Danish too
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(["sop_planning"], ["da_DK"])
        with self.assertRaisesRegex(UserError, "er Bestilt: kun foreslåede"):
            proposal.with_user(self.buyer).with_context(lang="da_DK").action_confirm()

        order = line.order_id
        order.button_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = ordered
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(proposal.state, "done")

    def test_failed_order_is_not_taken_for_an_older_rfq_line(self):
        self._approve(self._plan(self.pump))
        self._run_cron()
        first = self._proposals(self.pump)
        first.with_user(self.buyer).action_confirm()
        old_line = first.purchase_line_id
        ordered = old_line.product_qty
        rule = first.orderpoint_id.sudo()
        rule.write(
            {
                "product_min_qty": rule.product_max_qty + 100.0,
                "product_max_qty": rule.product_max_qty + 200.0,
            }
        )
        self._run_cron()
        second = self._proposals(self.pump) - first
        self.assertEqual(second.state, "proposed", "the higher rule needs more")
        # Odoo's procurement creates nothing (another add-on's rule refuses)
        with patch.object(
            type(rule), "_procure_orderpoint_confirm", lambda *args, **kwargs: None
        ):
            result = second.with_user(self.buyer).action_confirm()
        self.assertEqual(second.state, "exception")
        self.assertIn("Pump not ordered: ", result["params"]["message"])
        self.assertIn("created no RFQ line", second.exception_reason_display)
        self.assertFalse(second.purchase_line_id)
        self.assertEqual(old_line.product_qty, ordered)
        self.assertEqual(first.purchase_line_id, old_line)

    def test_an_order_made_since_the_run_is_not_bought_twice(self):
        """The proposal's RFQ line was moved to another RFQ (as a vendor
        order does), and that RFQ cancelled: the proposal reopens with its
        quantity while the first RFQ still buys it. Ordering it again orders
        what the rule still needs: nothing, and the buyer is told."""
        self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        proposal.with_user(self.buyer).action_confirm()
        first_line = proposal.purchase_line_id
        ordered = first_line.product_qty
        other = first_line.order_id.copy()
        proposal.sudo().purchase_line_id = other.order_line[:1]
        other.button_cancel()
        self.assertEqual(proposal.state, "proposed", "reopened")
        self.assertEqual(proposal.quantity, ordered)
        result = proposal.with_user(self.buyer).action_confirm()
        self.assertEqual(first_line.product_qty, ordered, "not bought twice")
        self.assertIn("Pump", result["params"]["message"])
        self.assertIn("nothing needed now", result["params"]["message"])
        self.assertFalse(proposal.exists(), "nothing left to propose")

    def test_rules_held_by_the_daily_run_or_another_buyer(self):
        """While the daily run (or another buyer) works on a product's rule,
        Order tells the buyer to try again and changes nothing; the daily run
        in turn leaves rules a buyer holds to its next pass."""
        self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        Rule = type(self.env["stock.warehouse.orderpoint"])
        held = LockError("could not obtain lock")
        with (
            patch.object(Rule, "lock_for_update", side_effect=held),
            self.assertRaisesRegex(UserError, "being worked on right now"),
        ):
            proposal.with_user(self.buyer).action_confirm()
        self.assertEqual(proposal.state, "proposed")
        self.assertFalse(proposal.purchase_line_id, "no RFQ")
        Proposal = type(self.env["sop.reorder.proposal"])
        with (
            patch.object(Rule, "try_lock_for_update", lambda rules, **kw: rules[:0]),
            patch.object(Proposal, "_replenish_batch") as replenished,
        ):
            self._run_cron()
        replenished.assert_not_called()
        self.assertTrue(proposal.exists())

    def test_a_product_archived_since_the_run_is_not_ordered(self):
        """Archived after the run: Order refuses with the reason and buys
        nothing; the next daily run removes the proposal (its rule is no
        longer checked)."""
        self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.pump.action_archive()
        with self.assertRaisesRegex(UserError, "Pump is not ordered: .* archived"):
            proposal.with_user(self.buyer).action_confirm()
        self.assertFalse(proposal.purchase_line_id)
        self._run_cron()
        self.assertFalse(proposal.exists())

    def test_cancelled_rfq_reopens_proposal(self):
        self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        proposal.with_user(self.buyer).action_confirm()
        proposal.purchase_id.button_cancel()
        self.assertEqual(proposal.state, "proposed")

    def test_product_without_vendor_flagged_run_completes(self):
        self._approve(self._plan(self.pump))
        self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.orphan.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "product_min_qty": 10.0,
                "product_max_qty": 20.0,
                "sop_managed": True,
            }
        )
        self._run_cron()
        orphan = self._proposals(self.orphan)
        self.assertEqual(orphan.state, "exception")
        self.assertIn("No vendor", orphan.exception_reason)
        self.assertEqual(self._proposals(self.pump).state, "proposed")
        # OdooBot wrote it in English; a Danish buyer reads it in Danish
        reader = self._danish_reader("sop_danish_buyer", "purchase.group_purchase_user")
        danish = orphan.with_user(reader).with_context(lang="da_DK")
        self.assertIn("Ingen leverandør for", danish.exception_reason_display)

    def test_an_archived_vendor_is_named_not_missing(self):
        """The pump's only vendor is archived after the plan: its proposal
        says so (it said to add a vendor, and the buyer made a second one)."""
        self._approve(self._plan(self.pump))
        self.vendor.active = False
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertEqual(proposal.state, "exception")
        self.assertIn(
            f"its vendor {self.vendor.display_name} is archived",
            proposal.exception_reason_display,
        )

    def test_auto_rfq_setting_orders_at_once(self):
        self.company_a.sop_auto_rfq = True
        self._approve(self._plan(self.pump))
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertEqual(proposal.state, "ordered")
        self.assertEqual(proposal.purchase_id.state, "draft")
        self.assertEqual(proposal.purchase_line_id.product_qty, proposal.quantity)
        # dated as Odoo's own procurement dates it (vendor lead time 30 days)
        rule = proposal.orderpoint_id.with_context(global_horizon_days=0)
        odoo_dates = rule._prepare_procurement_values(
            date=rule._get_orderpoint_procurement_date()
        )
        self.assertEqual(
            proposal.purchase_line_id.date_planned, odoo_dates["date_planned"]
        )
        self.assertEqual(proposal.purchase_id.date_order, odoo_dates["date_order"])
        self.assertEqual(
            (odoo_dates["date_planned"] - odoo_dates["date_order"]).days, 30
        )

    def test_rfq_dates_reuse_the_rules_chain_with_odoos_answer(self):
        """The run's known rule chains give the dates Odoo's own search gives."""
        cycle = self._approve(self._plan(self.pump))
        rule = cycle.policy_ids.orderpoint_id.sudo()
        date = rule._get_orderpoint_procurement_date()
        chains = {(self.pump.id, rule.location_id.id, False): tuple(rule.rule_ids.ids)}
        Rule = type(self.env["stock.rule"])
        searched = []
        get_rule = Rule._get_rule

        def counting(rules, *args, **kwargs):
            searched.append(args)
            return get_rule(rules, *args, **kwargs)

        with patch.object(Rule, "_get_rule", counting):
            reused = rule.with_context(
                sop_rule_chains=chains
            )._prepare_procurement_values(date=date)
            self.assertFalse(searched, "no rule search with the chain known")
            own = rule._prepare_procurement_values(date=date)
            self.assertTrue(searched)
        self.assertEqual(
            (reused["date_planned"], reused["date_order"]),
            (own["date_planned"], own["date_order"]),
        )
        self.assertEqual((own["date_planned"] - own["date_order"]).days, 30)

    def test_one_summary_for_purchasing_per_day(self):
        """A run the cron splits over several calls leaves one to-do."""
        self.company_a.sop_purchase_user_id = self.buyer
        gasket = self._product("Gasket", standard_price=2.0)
        gasket.seller_ids = [(0, 0, {"partner_id": self.vendor.id, "delay": 30})]
        cycle = self._approve(self._plan(self.pump | gasket))
        self.cron.code = "model._cron_replenish(batch_size=1)"
        cron_model = type(self.env["ir.cron"])
        commit_progress = cron_model._commit_progress

        def out_of_time(cron, *args, **kwargs):
            commit_progress(cron, *args, **kwargs)
            return 0.0  # the worker's time is up after every batch

        with (
            patch.object(cron_model, "_commit_progress", out_of_time),
            self.enter_registry_test_mode(),
        ):
            self.cron.method_direct_trigger()
            self.cron.method_direct_trigger()  # same day: nothing left to check
        self.assertEqual(self._proposals(self.pump).state, "proposed")
        self.assertEqual(self._proposals(gasket).state, "proposed")
        todos = cycle.activity_ids.filtered(lambda a: a.user_id == self.buyer)
        self.assertEqual(len(todos), 1)
        self.assertEqual(todos.summary, "2 reorder proposals to review")

    def test_the_summary_to_do_follows_the_plan_that_sets_the_rules(self):
        """Next month's plan is approved while proposals are open: the
        buyer's summary to-do moves to it, none stays on the closed plan."""
        self.company_a.sop_purchase_user_id = self.buyer
        first = self._approve(self._plan(self.pump))
        self._run_cron()
        self.assertTrue(first.activity_ids.filtered(lambda a: a.user_id == self.buyer))
        second = self._approve(self._plan(self.pump, ahead=1))
        self.assertEqual(first.state, "closed")
        self._run_cron()
        self.assertFalse(first.activity_ids.filtered(lambda a: a.user_id == self.buyer))
        todos = second.activity_ids.filtered(lambda a: a.user_id == self.buyer)
        self.assertEqual(todos.summary, "1 reorder proposals to review")

    def test_an_earlier_months_plan_does_not_replace_a_later_one(self):
        """Next month's plan is approved; a plan of this month (a re-plan)
        would close it and take its policies back: refused, nothing moved.
        Another product's plan of this month is approved as before."""
        later = self._approve(self._plan(self.pump, ahead=1))
        policy = later.policy_ids
        # told when its demand review would start, before any work on it
        draft = self._new_cycle(date_month=self._month(0))
        with self.assertRaisesRegex(UserError, "before the approved plan"):
            draft.action_start_demand_review()
        draft.unlink()
        # one that started before the later plan was approved
        self.env.cr.execute(
            "UPDATE sop_cycle SET state = 'executive_review' WHERE id = %s",
            [later.id],
        )
        self.env.invalidate_all()
        earlier = self._plan(self.pump)
        self._to_executive_review_from_demand(earlier)
        self.env.cr.execute(
            "UPDATE sop_cycle SET state = 'approved' WHERE id = %s", [later.id]
        )
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "before the approved plan"):
            earlier.with_user(self.executive).action_approve()
        self.assertEqual((later.state, earlier.state), ("approved", "executive_review"))
        self.assertEqual(policy.cycle_id, later)

    def test_purchase_user_sees_proposals_cannot_approve(self):
        self._approve(self._plan(self.pump))
        self._run_cron()
        visible = self.env["sop.reorder.proposal"].with_user(self.buyer).search([])
        self.assertEqual(visible, self._proposals(self.pump))
        self.assertTrue(visible.explanation)
        other = self._plan(self.valve)
        self._to_executive_review_from_demand(other)
        with self.assertRaises(AccessError):
            other.with_user(self.buyer).action_approve()
        with self.assertRaises(AccessError):
            visible.with_user(self.planner).action_confirm()

    def test_monthly_cron_opens_next_cycle_once(self):
        cycle = self._new_cycle(
            date_month=fields.Date.today().replace(day=1),
            horizon_months=9,
            warehouse_ids=[(6, 0, self.warehouse.ids)],
        )
        self._scenario(cycle, name="Vendor late", lead_time_days=14)
        cron = self.env.ref("sop_planning.ir_cron_sop_open_cycle")
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
            cron.method_direct_trigger()
        next_month = fields.Date.today().replace(day=1) + relativedelta(months=1)
        opened = self.env["sop.cycle"].search(
            [("company_id", "=", self.company_a.id), ("date_month", "=", next_month)]
        )
        self.assertEqual(len(opened), 1)
        self.assertEqual(opened.horizon_months, 9)
        self.assertEqual(opened.warehouse_ids, cycle.warehouse_ids)
        self.assertEqual(opened.state, "draft")
        # the what-if scenarios to compare again, not their scores
        self.assertEqual(opened.scenario_ids.mapped("name"), ["Vendor late"])
        self.assertEqual(opened.scenario_ids.lead_time_days, 14)

    def test_nightly_refresh_rolls_policies_forward(self):
        cycle = self._approve(self._plan(self.pump))
        rule = cycle.policy_ids.orderpoint_id.sudo()
        # the current month is over: its plan line leaves the window, and the
        # months after it ask for twice as much
        lines = cycle.plan_line_ids.sorted("date_month")
        self.env.cr.execute(
            "UPDATE sop_plan_line SET consensus_qty = consensus_qty * 2 WHERE id IN %s",
            [tuple(lines[1:].ids)],
        )
        self.env.cr.execute(
            "UPDATE sop_plan_line SET date_month = date_month - interval '1 month' "
            "WHERE id = %s",
            [lines[0].id],
        )
        self.env.invalidate_all()
        old_min = rule.product_min_qty
        cron = self.env.ref("sop_planning.ir_cron_sop_refresh_plan")
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(len(cycle.policy_ids), 1)
        self.assertEqual(cycle.policy_ids.orderpoint_id, rule, "same rule updated")
        self.assertAlmostEqual(cycle.policy_ids.lead_time_demand, 600.0, places=0)
        self.assertGreater(rule.product_min_qty, old_min + 250)
        self.assertEqual(cycle.state, "approved")

    def test_two_companies_keep_separate_rules_and_proposals(self):
        company_b = self.company_b
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        executive_b = new_test_user(
            self.env,
            "sop_executive_b",
            groups="sop_planning.group_sop_executive",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        pump_b = self._product("Pump B", standard_price=40.0, company_id=company_b.id)
        self._vendor_price(pump_b, 30, company_id=company_b.id, min_qty=50.0)
        cycle_a = self._approve(self._plan(self.pump))
        cycle_b = self._approve(
            self._plan(pump_b, warehouse=warehouse_b, user=self.planner_b),
            executive=executive_b,
        )
        self.assertEqual(cycle_a.state, "approved", "one active plan per company")
        self.assertEqual(cycle_b.state, "approved")
        rule_b = cycle_b.policy_ids.orderpoint_id.sudo()
        self.assertEqual(rule_b.company_id, company_b)
        self.assertEqual(rule_b.location_id, warehouse_b.lot_stock_id)
        self._run_cron()
        proposal_a = self._proposals(self.pump)
        proposal_b = self._proposals(pump_b)
        self.assertEqual(proposal_a.company_id, self.company_a)
        self.assertEqual(proposal_b.company_id, company_b)
        self.assertEqual(proposal_b.orderpoint_id, rule_b)
        seen_by_b = (
            self.env["sop.reorder.proposal"].with_user(self.planner_b).search([])
        )
        self.assertEqual(seen_by_b, proposal_b)

    def test_a_draft_rfq_past_its_date_needs_attention(self):
        """A draft RFQ nobody confirmed counts, in Odoo, as stock on its way:
        once its planned date is past, the rule's proposal needs attention
        and names it (the buyer saw no proposal for months while the shelf
        was empty); confirmed, the RFQ covers the need and the warning goes."""
        cycle = self._approve(self._plan(self.pump))
        rule = cycle.policy_ids.orderpoint_id.sudo()
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "date_planned": fields.Datetime.now() + relativedelta(days=5),
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.pump.id,
                            "product_qty": rule.product_max_qty,
                        }
                    )
                ],
            }
        )
        self._run_cron()
        self.assertFalse(self._proposals(self.pump), "a draft due soon: on its way")
        order.order_line.date_planned = fields.Datetime.now() - relativedelta(days=20)
        self._run_cron()
        proposal = self._proposals(self.pump)
        self.assertEqual(proposal.state, "exception")
        self.assertIn(order.name, proposal.exception_reason_display)
        self.assertIn("confirm or cancel it", proposal.exception_reason_display)
        self.assertAlmostEqual(proposal.quantity, rule.product_max_qty, delta=1.0)
        # refused with what to do (it said "is Needs Attention")
        with self.assertRaisesRegex(UserError, f"needs attention.*{order.name}"):
            proposal.with_user(self.buyer).action_confirm()
        self.assertEqual(order.state, "draft", "nothing bought twice")
        order.button_confirm()
        self._run_cron()
        self.assertFalse(
            self._proposals(self.pump).filtered(lambda p: p.state == "exception")
        )

    def test_receipt_due_after_the_need_date_does_not_cover_it(self):
        cycle = self._approve(self._plan(self.pump))
        rule = cycle.policy_ids.orderpoint_id.sudo()
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "date_planned": fields.Datetime.now() + relativedelta(days=120),
                "order_line": [
                    (0, 0, {"product_id": self.pump.id, "product_qty": 100.0}),
                ],
            }
        )
        order.button_confirm()
        late_date = fields.Datetime.now() + relativedelta(days=120)
        order.picking_ids.scheduled_date = late_date
        order.picking_ids.move_ids.date = late_date
        self._run_cron()
        late = self._proposals(self.pump)
        self.assertAlmostEqual(late.quantity, rule.product_max_qty, delta=1.0)

        order.picking_ids.scheduled_date = fields.Datetime.now() + relativedelta(
            days=10
        )
        order.picking_ids.move_ids.date = fields.Datetime.now() + relativedelta(days=10)
        self._run_cron()
        self.assertEqual(self._proposals(self.pump), late, "same open proposal")
        self.assertAlmostEqual(late.quantity, rule.product_max_qty - 100.0, delta=1.0)
