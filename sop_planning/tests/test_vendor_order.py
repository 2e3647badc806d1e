from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common_data import SopDataCase
from .common_policy import SopPolicyCase


class VendorOrderCase(SopDataCase):
    """A weekly vendor (minimum 500) and four products at different urgency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env, "vo_buyer", groups="purchase.group_purchase_user"
        )
        cls.supplier = cls.env["res.partner"].create({"name": "Weekly Supplier"})
        cls.supplier.write(
            {
                "sop_order_weekday": str(date.today().weekday()),
                "sop_order_interval_days": 7,
                "sop_min_order_value": 500.0,
            }
        )
        cls.cycle = cls.env["sop.cycle"].with_user(cls.planner).create({})
        # cost, per day, on hand, min, max, sale price
        cls.due = cls._rule("Due", 10.0, 1.0, 0.0, 20.0, 45.0, price=15.0)
        cls.soon = cls._rule("Soon", 5.0, 2.0, 16.0, 10.0, 30.0, price=8.0)
        cls.later = cls._rule("Later", 5.0, 1.0, 14.0, 10.0, 40.0, price=6.0)
        cls.idle = cls._rule("Idle", 5.0, 0.1, 25.0, 10.0, 30.0, price=6.0)

    @classmethod
    def _rule(cls, name, cost, per_day, on_hand, low, high, price, **seller):
        product = cls._product(name, standard_price=cost, list_price=price)
        cls._vendor_price(product, 5, vendor=cls.supplier, **seller)
        if on_hand:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.stock, on_hand
            )
        policy = cls.env["sop.inventory.policy"].create(
            {
                "cycle_id": cls.cycle.id,
                "company_id": cls.company_a.id,
                "product_id": product.id,
                "warehouse_id": cls.warehouse.id,
                "demand_per_day": per_day,
            }
        )
        rule = cls.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": product.id,
                "warehouse_id": cls.warehouse.id,
                "location_id": cls.stock.id,
                "product_min_qty": low,
                "product_max_qty": high,
                "sop_managed": True,
                "sop_policy_id": policy.id,
            }
        )
        policy.orderpoint_id = rule
        return product

    def _run(self):
        """The daily replenishment job, as Odoo's cron worker runs it."""
        with self.enter_registry_test_mode():
            self.env.ref("sop_planning.ir_cron_sop_replenish").method_direct_trigger()
        self.env["stock.warehouse.orderpoint"].search([]).sop_date_checked = False
        return self.env["sop.vendor.order"].search(
            [("vendor_id", "=", self.supplier.id)]
        )

    def _proposals(self, product):
        return self.env["sop.reorder.proposal"].search(
            [("product_id", "=", product.id)]
        )

    def _line(self, order, product):
        return order.line_ids.filtered(lambda x: x.product_id == product)


@tagged("post_install", "-at_install")
class TestVendorOrder(VendorOrderCase):
    """The daily run builds one order per vendor to its terms; buyers order it."""

    def test_minimum_reached_by_the_most_urgent_lines(self):
        order = self._run()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.date_order, fields.Date.today())
        self.assertEqual(self._line(order, self.due).reason, "due")
        self.assertEqual(self._line(order, self.due).quantity, 45.0)
        soon = self._line(order, self.soon)
        self.assertEqual(soon.reason, "added")
        self.assertEqual(soon.quantity, 14.0, "up to its maximum")
        self.assertIn("minimum", soon.explanation)
        self.assertFalse(self._line(order, self.later), "520 already reach 500")
        self.assertFalse(self._line(order, self.idle))
        self.assertEqual(order.amount_total, 520.0)
        self.assertFalse(order.below_minimum)
        self.assertTrue(self._line(order, self.due).proposal_id)
        self.assertIn("added: reaches", order.explanation)

    def test_order_prepared_its_lead_days_before_the_order_day(self):
        tomorrow = fields.Date.today() + timedelta(days=1)
        self.supplier.sop_order_weekday = str(tomorrow.weekday())
        self.assertFalse(self._run(), "the order day is tomorrow")
        self.assertEqual(self._proposals(self.due).state, "proposed")
        self.supplier.sop_order_lead_days = 1
        order = self._run()
        self.assertEqual(order.date_order, tomorrow)
        self.assertEqual(self._line(order, self.due).reason, "due")

    def test_quantities_rounded_to_the_vendor_pack(self):
        self.due.seller_ids.product_uom_id = self.dozen
        order = self._run()
        line = self._line(order, self.due)
        self.assertEqual(line.quantity, 48.0, "45 raised to 4 packs of 12")
        self.assertIn("pack of 12", line.explanation)

    def test_one_vendors_order_that_fails_leaves_the_others_built(self):
        """The order of one vendor raises on its data: it stays as it was,
        and the run still builds the other vendor's order (a bad pack of
        one product stopped every vendor order of the company)."""
        other = self.env["res.partner"].create(
            {
                "name": "Other Supplier",
                "sop_order_weekday": str(date.today().weekday()),
                "sop_order_interval_days": 7,
            }
        )
        self.later.seller_ids.partner_id = other
        later_rule = self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", self.later.id)]
        )
        later_rule.product_min_qty = 20.0  # due at the other vendor
        order = self._run()
        self.assertEqual(self._line(order, self.due).quantity, 45.0)
        later_rule.product_max_qty = 60.0  # 46 now, where it was 26
        self.due.seller_ids.min_qty = 50.0  # would raise the due line
        run = type(self.env["sop.vendor.order"])
        build = run._build_order

        def failing(records, company, key, *args):
            if key.startswith(f"{self.supplier.id}-"):
                message = "bad data"
                raise ValidationError(message)
            return build(records, company, key, *args)

        with patch.object(run, "_build_order", failing):
            self.assertEqual(self._run(), order, "kept, not dropped")
        self.assertEqual(self._line(order, self.due).quantity, 45.0, "as it was")
        other_order = self.env["sop.vendor.order"].search(
            [("vendor_id", "=", other.id)]
        )
        self.assertEqual(self._line(other_order, self.later).quantity, 46.0)

    def test_a_need_below_the_vendors_minimum_is_raised_to_it(self):
        """The vendor sells from 50 (raised after the plan was approved): the
        due line orders 50 at the vendor's price, as its proposal does (it
        ordered the 45 needed, and the RFQ line had no price)."""
        self.due.seller_ids.write({"min_qty": 50.0, "price": 9.0})
        order = self._run()
        line = self._line(order, self.due)
        self.assertEqual(line.quantity, 50.0)
        self.assertIn("the vendor sells from 50", line.explanation)
        self.assertEqual(self._proposals(self.due).quantity, 50.0)
        order.with_user(self.buyer).action_create_rfq()
        self.assertEqual(line.purchase_line_id.product_qty, 50.0)
        self.assertEqual(line.purchase_line_id.price_unit, 9.0)

    def test_order_value_at_the_vendors_price_in_its_currency(self):
        company_currency = self.company_a.currency_id
        foreign = (self.env.ref("base.EUR") | self.env.ref("base.USD")).filtered(
            lambda c: c != company_currency
        )[:1]
        foreign.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": foreign.id,
                "company_id": self.company_a.id,
                "name": fields.Date.today(),
                "company_rate": 2.0,  # 2 foreign for 1 of the company's
            }
        )
        self.due.seller_ids.write({"price": 40.0, "currency_id": foreign.id})
        order = self._run()
        due = self._line(order, self.due)
        self.assertEqual(due.price_unit, 20.0, "40 at 2 per unit, not the cost 10")
        self.assertEqual(order.amount_total, 900.0, "45 x 20")
        self.assertFalse(order.below_minimum)
        self.assertFalse(self._line(order, self.soon), "900 reach 500 alone")

    def test_order_value_at_the_vendors_price_break_for_the_quantity(self):
        rule = self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", self.due.id)]
        )
        rule.product_max_qty = 120.0
        self.due.seller_ids.price = 10.0
        self._vendor_price(self.due, 5, vendor=self.supplier, min_qty=100.0, price=7.0)
        order = self._run()
        due = self._line(order, self.due)
        self.assertEqual(due.quantity, 120.0)
        self.assertEqual(due.price_unit, 7.0, "the 100+ break, not the first 10")
        self.assertEqual(order.amount_total, 840.0)
        # the buyer orders less: the base price, then the break again
        due.with_user(self.buyer).quantity = 90.0
        self.assertEqual(due.price_unit, 10.0)
        self.assertEqual(order.amount_total, 900.0)
        due.with_user(self.buyer).quantity = 120.0
        self.assertEqual(due.price_unit, 7.0)
        with self.assertRaisesRegex(UserError, "has no RFQ yet"):
            order.with_user(self.buyer).action_view_rfq()
        order.action_create_rfq()
        self.assertEqual(
            order.with_user(self.buyer).action_view_rfq()["res_id"],
            order.purchase_id.id,
        )
        rfq_line = order.purchase_id.order_line.filtered(
            lambda x: x.product_id == self.due
        )
        self.assertEqual(rfq_line.price_unit, 7.0, "the RFQ agrees")
        # below the break: the base price
        order.purchase_id.button_cancel()
        rule.product_max_qty = 90.0
        order = self._run()
        self.assertEqual(self._line(order, self.due).quantity, 90.0)

    def test_container_cuts_the_least_urgent_line(self):
        self.supplier.sop_min_order_value = 600.0
        self.supplier.sop_capacity_volume = 65.0
        (self.due | self.soon | self.later).volume = 1.0
        order = self._run()
        self.assertEqual(self._line(order, self.later).reason, "cut")
        self.assertEqual(self._line(order, self.later).quantity, 0.0)
        self.assertIn("cut: over", self._line(order, self.later).explanation)
        self.assertEqual(self._line(order, self.soon).reason, "added")
        self.assertEqual(order.volume_total, 59.0)
        self.assertFalse(order.over_capacity)

    def test_budget_defers_the_lowest_risk_times_margin_line(self):
        self.env["sop.purchase.budget"].create(
            {"date_month": fields.Date.today(), "amount": 480.0}
        )
        order = self._run()
        self.assertEqual(self._line(order, self.due).reason, "due")
        deferred = self._line(order, self.soon)
        self.assertEqual(deferred.reason, "deferred")
        self.assertIn("purchase budget", deferred.budget_note)
        self.assertIn(deferred.budget_note, order.explanation)
        self.assertEqual(order.amount_total, 450.0)
        self.assertEqual(order.deferred_count, 1)
        self.assertEqual(self._run(), order, "the same run again: same order")
        self.assertEqual(self._line(order, self.soon).reason, "deferred")
        # the cycle's supply review shows what the budget deferred
        self.assertEqual(self.cycle.deferred_purchase_count, 1)
        self.assertEqual(self.cycle.deferred_purchase_value, 70.0, "14 x 5")
        month = fields.Date.today().strftime("%Y-%m")
        self.assertIn(f"{month}: 1 deferred lines", self.cycle.deferred_purchase_note)
        action = self.cycle.action_open_deferred_purchases()
        self.assertEqual(
            self.env["sop.vendor.order.line"].search(action["domain"]),
            self._line(order, self.soon),
        )

    def test_a_quantity_raised_past_the_budget_is_not_ordered(self):
        """The run kept the due line within the 480 budget; the buyer raises
        it to 50 (500): Create RFQ refuses, naming the budget; at 45 again
        the RFQ is made."""
        self.env["sop.purchase.budget"].create(
            {"date_month": fields.Date.today(), "amount": 480.0}
        )
        order = self._run()
        due = self._line(order, self.due).with_user(self.buyer)
        self.assertEqual(due.reason, "due")
        due.quantity = 50.0
        with self.assertRaisesRegex(
            UserError, "spends past the purchase budget .*Due at 50"
        ):
            order.with_user(self.buyer).action_create_rfq()
        self.assertFalse(order.purchase_id)
        due.quantity = 45.0
        order.with_user(self.buyer).action_create_rfq()
        self.assertTrue(order.purchase_id)

    def test_the_refusal_names_the_line_the_buyer_raised(self):
        """Due and Soon fit the 600 budget (520); the buyer raises Due to
        55 (620): the refusal names Due at 55, not Soon, which the budget
        would defer first but the buyer left as proposed."""
        self.env["sop.purchase.budget"].create(
            {"date_month": fields.Date.today(), "amount": 600.0}
        )
        order = self._run()
        self.assertEqual(order.amount_total, 520.0)
        self._line(order, self.due).with_user(self.buyer).quantity = 55.0
        with self.assertRaisesRegex(UserError, "with Due at 55"):
            order.with_user(self.buyer).action_create_rfq()

    def test_one_rfq_with_the_orders_quantities_and_a_second_run_adds_nothing(self):
        order = self._run()
        lines = order.line_ids
        self.assertEqual(self._run(), order)
        self.assertEqual(order.line_ids, lines, "same lines, not rebuilt")
        self._line(order, self.soon).with_user(self.buyer).quantity = 20.0
        self._line(order, self.due).with_user(self.buyer).quantity = 50.0
        self.assertEqual(order.amount_total, 600.0, "totals follow the buyer")
        self.assertIn("reaches", order.explanation, "the explanation stays")
        order.with_user(self.buyer).action_create_rfq()
        purchase = order.purchase_id
        self.assertEqual(purchase.state, "draft")
        self.assertEqual(order.state, "rfq")
        self.assertEqual(purchase.partner_id, self.supplier)
        quantities = {pl.product_id: pl.product_qty for pl in purchase.order_line}
        self.assertEqual(quantities, {self.due: 50.0, self.soon: 20.0})
        proposal = self._line(order, self.due).proposal_id
        self.assertEqual(proposal.state, "ordered")
        self.assertEqual(proposal.purchase_id, purchase)
        self.assertEqual(proposal.quantity, 50.0, "the RFQ's, not the 45 proposed")
        self.assertEqual(self._run(), order, "no second order the next run")
        self.assertEqual(len(purchase.order_line), 2)
        self.assertEqual(
            self.env["purchase.order"].search_count(
                [("partner_id", "=", self.supplier.id)]
            ),
            1,
        )

    def test_cancelled_rfq_reopens_the_order(self):
        order = self._run()
        order.with_user(self.buyer).action_create_rfq()
        first = order.purchase_id
        first.button_cancel()
        self.assertEqual(order.state, "draft")
        proposal = self._line(order, self.due).proposal_id
        self.assertEqual(proposal.state, "proposed")
        self.assertEqual(self._run(), order)
        order.with_user(self.buyer).action_create_rfq()
        self.assertNotEqual(order.purchase_id, first)
        self.assertEqual(proposal.purchase_id, order.purchase_id)
        # cancelled again, and all its proposals ordered from the proposals
        # list: the next run removes the order nobody needs any more
        order.purchase_id.button_cancel()
        open_proposals = order.line_ids.proposal_id.filtered(
            lambda p: p.state == "proposed"
        )
        open_proposals.with_user(self.buyer).action_confirm()
        self._run()
        self.assertFalse(order.exists())

    def test_the_next_run_follows_the_vendors_new_terms(self):
        """The vendor's price and minimum change after the run: the next run
        keeps the order's lines (and the buyer's quantity) but prices them,
        and the order's minimum, as the vendor now says."""
        order = self._run()
        self._line(order, self.soon).with_user(self.buyer).quantity = 20.0
        (self.due | self.soon).seller_ids.price = 12.0
        self.supplier.sop_min_order_value = 700.0
        self.assertEqual(self._run(), order)
        due, soon = self._line(order, self.due), self._line(order, self.soon)
        self.assertEqual((due.price_unit, soon.price_unit), (12.0, 12.0))
        self.assertEqual(soon.quantity, 20.0, "the buyer's quantity stays")
        self.assertEqual(order.min_value, 700.0)
        self.assertEqual(order.amount_total, 12.0 * (due.quantity + 20.0))

    def test_no_rfq_for_an_archived_vendor(self):
        """The vendor was archived after the daily run: Create RFQ says so
        instead of making an RFQ at price 0."""
        order = self._run()
        self.supplier.active = False
        with self.assertRaisesRegex(UserError, "Weekly Supplier is archived"):
            order.with_user(self.buyer).action_create_rfq()
        self.assertFalse(order.purchase_id)

    def test_a_line_left_off_the_next_rfq_spends_nothing(self):
        """The RFQ was cancelled, a product archived, the RFQ made again
        without it: its line no longer points at the cancelled RFQ's line,
        and the month's budget counts only what the new RFQ buys."""
        (self.due | self.soon).seller_ids.price = 10.0
        order = self._run()
        order.with_user(self.buyer).action_create_rfq()
        soon = self._line(order, self.soon)
        cancelled = soon.purchase_line_id
        self.assertTrue(cancelled)
        order.purchase_id.button_cancel()
        self.soon.active = False
        order.with_user(self.buyer).action_create_rfq()
        self.assertEqual(order.purchase_id.order_line.product_id, self.due)
        self.assertFalse(soon.purchase_line_id)
        # the order's total is what its RFQ buys, as the buyer changes it
        self.assertEqual(order.amount_total, 450.0)
        order.purchase_id.order_line.product_qty = 50
        self.assertEqual(order.amount_total, 500.0)
        # a line the buyer adds on the RFQ is bought as well
        self.env["purchase.order.line"].create(
            {
                "order_id": order.purchase_id.id,
                "product_id": self.later.id,
                "product_qty": 10,
                "price_unit": 10.0,
            }
        )
        self.assertEqual(order.amount_total, 600.0)
        # the new RFQ buys 60 x 10: a budget of 800 leaves room for the 14 x 10
        # (the line's price) of the product back on sale, even on a line still
        # pointing at the cancelled RFQ (as the former code left it)
        self.soon.active = True
        soon.purchase_line_id = cancelled
        budget = self.env["sop.purchase.budget"].create(
            {"date_month": fields.Date.today(), "amount": 800.0}
        )
        self.assertFalse(
            self.env["sop.vendor.order"]._budget_deferrals(budget, soon, order.line_ids)
        )
        # the line added on the RFQ spends too: 700 leaves 100, not enough
        budget.amount = 700.0
        self.assertTrue(
            self.env["sop.vendor.order"]._budget_deferrals(budget, soon, order.line_ids)
        )

    def test_a_proposal_ordered_by_hand_is_left_out_of_the_rfq(self):
        """The buyer ordered a proposal from the proposals list after the
        run: Create RFQ on its vendor order does not buy it a second time."""
        order = self._run()
        by_hand = self._line(order, self.due).proposal_id
        cron = self.env.ref("sop_planning.ir_cron_sop_replenish")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        by_hand.with_user(self.buyer).action_confirm()
        hand_line = by_hand.purchase_line_id
        new_triggers = (
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        )
        self.assertTrue(new_triggers, "the run rebuilds the vendor order soon")
        line = self._line(order, self.due).with_user(self.buyer)
        with self.assertRaisesRegex(UserError, "ordered since the daily run"):
            line.write({"quantity": line.quantity + 10})
        order.with_user(self.buyer).action_create_rfq()
        self.assertEqual(order.purchase_id.order_line.product_id, self.soon)
        self.assertEqual(by_hand.purchase_line_id, hand_line, "still its own RFQ")
        bought = self.env["purchase.order.line"].search(
            [("product_id", "=", self.due.id), ("state", "!=", "cancel")]
        )
        self.assertEqual(bought, hand_line)

    def test_a_due_line_no_longer_needed_is_left_out_of_the_rfq(self):
        """An RFQ made by hand covers the due product; Order on its proposal
        finds nothing needed (the proposal goes): Create RFQ on the vendor
        order does not buy it, and the run rebuilds the order soon."""
        order = self._run()
        proposal = self._line(order, self.due).proposal_id
        self.env["purchase.order"].create(
            {
                "partner_id": self.supplier.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.due.id,
                            "product_qty": proposal.quantity,
                            "orderpoint_id": proposal.orderpoint_id.id,
                        }
                    )
                ],
            }
        )
        cron = self.env.ref("sop_planning.ir_cron_sop_replenish")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        result = proposal.with_user(self.buyer).action_confirm()
        self.assertFalse(proposal.exists())
        self.assertIn("nothing needed now", result["params"]["message"])
        self.assertEqual(result["params"]["next"]["res_model"], "sop.reorder.proposal")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        )
        order.with_user(self.buyer).action_create_rfq()
        self.assertNotIn(self.due, order.purchase_id.order_line.product_id)

    def test_a_product_archived_since_the_run_is_not_bought(self):
        order = self._run()
        self.assertTrue(self._line(order, self.due))
        self.due.action_archive()
        order.with_user(self.buyer).action_create_rfq()
        self.assertNotIn(self.due, order.purchase_id.order_line.product_id)
        self.assertIn(self.soon, order.purchase_id.order_line.product_id)
        with self.assertRaisesRegex(UserError, "Select the vendor orders"):
            order.browse().with_user(self.buyer).action_create_rfq()

    def test_the_next_run_drops_a_line_ordered_by_hand(self):
        """The only due line ordered by hand: nothing is due any more, so the
        run drops the draft order (its other line was only brought forward)."""
        order = self._run()
        by_hand = self._line(order, self.due).proposal_id
        by_hand.with_user(self.buyer).action_confirm()
        self.assertFalse(self._run())
        self.assertFalse(order.exists())

    def test_purchase_user_orders_but_cannot_approve_a_cycle(self):
        order = self._run()
        orders = self.env["sop.vendor.order"].with_user(self.buyer).search([])
        self.assertEqual(orders, order)
        orders.action_create_rfq()
        self.assertEqual(order.state, "rfq")
        with self.assertRaises(AccessError):
            self.cycle.with_user(self.buyer).action_approve()
        # the role is named, not a technical field the buyer cannot read
        with self.assertRaisesRegex(AccessError, "Executive may move"):
            self.cycle.with_user(self.buyer).action_close()
        with self.assertRaises(AccessError):
            order.with_user(self.sop_user).action_create_rfq()

    def test_buyer_changes_quantities_only_in_whole_units(self):
        """Over RPC too: the run's figures, the vendor and the lines' links
        stay the run's; a quantity is whole pieces and never negative."""
        order = self._run()
        other = self.env["sop.vendor.order"].create(
            {
                "vendor_id": self.vendor.id,
                "warehouse_id": self.warehouse.id,
                "date_order": fields.Date.today(),
            }
        )
        line = self._line(order, self.due).with_user(self.buyer)
        for vals in (
            {"price_unit": 0.01},
            {"proposed_qty": 999.0},
            {"reason": "cut"},
            {"order_id": other.id},
            {"product_id": self.idle.id},
        ):
            with self.assertRaisesRegex(UserError, "vendor order run"):
                line.write(vals)
        for vals in (
            {"vendor_id": self.vendor.id},
            {"date_order": fields.Date.today() + timedelta(days=3)},
            {"line_ids": [fields.Command.link(line.id)]},
        ):
            with self.assertRaisesRegex(UserError, "vendor order run"):
                other.with_user(self.buyer).write(vals)
        with self.assertRaisesRegex(ValidationError, "whole Units: 2.50"):
            line.quantity = 2.5
        with self.assertRaisesRegex(UserError, "cannot be negative"):
            line.quantity = -5.0
        # what an RPC client may send: a clear error, no traceback
        for value in (float("nan"), float("inf"), "abc", 1e15):
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(UserError, "number of units up to"),
            ):
                line.write({"quantity": value})
        # the value as the buyer's language writes it, not 1000000000000000.0
        with self.assertRaisesRegex(UserError, "not 1,000,000,000,000,000\\."):
            line.write({"quantity": 1e15})

    def test_buyers_quantity_kept_when_the_next_run_adds_a_line(self):
        """The next day's run rebuilds the draft order (a product became
        due); the buyer's quantity of a line the run proposes again the same
        way stays, priced at it."""
        order = self._run()
        self._line(order, self.due).with_user(self.buyer).quantity = 60.0
        idle_rule = self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", self.idle.id)]
        )
        idle_rule.write({"product_min_qty": 30.0, "product_max_qty": 40.0})
        self.assertEqual(self._run(), order)
        self.assertEqual(self._line(order, self.idle).reason, "due", "rebuilt")
        due = self._line(order, self.due)
        self.assertEqual((due.quantity, due.proposed_qty), (60.0, 45.0))
        self.assertEqual(order.amount_total, sum(order.line_ids.mapped("subtotal")))
        order.with_user(self.buyer).action_create_rfq()
        self.assertEqual(due.purchase_line_id.product_qty, 60.0)

    def test_buyer_cannot_go_below_the_vendors_minimum(self):
        """Below the vendor's minimum its price list has no price: the RFQ
        line would be priced 0. The buyer orders the minimum, or nothing."""
        self.due.seller_ids.write({"min_qty": 40.0, "price": 9.0})
        order = self._run()
        line = self._line(order, self.due).with_user(self.buyer)
        self.assertEqual(line.quantity, 45.0)
        with self.assertRaisesRegex(UserError, "from 40.00 Units"):
            line.quantity = 30.0
        line.quantity = 40.0
        line.quantity = 0.0
        line.quantity = 41.0
        order.with_user(self.buyer).action_create_rfq()
        self.assertEqual(line.purchase_line_id.product_qty, 41.0)
        self.assertEqual(line.purchase_line_id.price_unit, 9.0)

    def test_buyer_changes_quantities_only_in_whole_vendor_packs(self):
        """A vendor selling packs of 12: the buyer's 50 would be 4 1/6 packs
        on the RFQ; the server refuses it and names the nearest packs."""
        self.due.seller_ids.product_uom_id = self.dozen
        order = self._run()
        line = self._line(order, self.due).with_user(self.buyer)
        self.assertEqual(line.quantity, 48.0)
        with self.assertRaisesRegex(
            UserError, "packs of 12.00 Units: order 48.00 or 60.00"
        ):
            line.quantity = 50.0
        line.quantity = 60.0
        self.due.seller_ids.price = 96.0  # a pack of 12
        order.with_user(self.buyer).action_create_rfq()
        self.assertEqual(line.purchase_line_id.product_uom_qty, 60.0)
        # the RFQ in the vendor's packs at the pack's price, as Odoo's
        # procurement (a proposal's Order) writes it
        rfq_line = line.purchase_line_id
        self.assertEqual(rfq_line.product_uom_id, self.dozen)
        self.assertEqual(rfq_line.product_qty, 5.0)
        self.assertEqual(rfq_line.price_unit, 96.0)
        self.assertEqual(rfq_line.price_subtotal, 480.0)
        # a quantity between two packs (a line cut to a capacity) goes out in
        # whole packs: 50 Units are 5 packs, not 4.17
        between = self.env["sop.vendor.order.line"].new(
            {"product_id": self.due.id, "quantity": 50.0}
        )
        self.assertEqual(
            order._in_vendor_unit(between, order.purchase_id), (5.0, self.dozen)
        )

    def test_a_vendor_selling_by_the_unit_and_by_packs_orders_as_the_rfq_buys(self):
        """Two price lines of one vendor: by the unit at 10, and by packs of
        6 from 5 packs at 54 (9 a unit). The need of 45 is ordered as the RFQ
        buys it, 8 packs at 9 a unit (it read 45 at 9, the RFQ bought 48);
        the buyer's quantities are checked against the same line."""
        pack = self.env.ref("uom.product_uom_pack_6")
        self.due.seller_ids.price = 10.0
        self._vendor_price(
            self.due,
            5,
            vendor=self.supplier,
            product_uom_id=pack.id,
            min_qty=5,
            price=54.0,
            sequence=20,
        )
        order = self._run()
        line = self._line(order, self.due).with_user(self.buyer)
        self.assertEqual((line.quantity, line.price_unit), (48.0, 9.0))
        with self.assertRaisesRegex(UserError, "packs of 6.00 Units: order 48.00 or"):
            line.quantity = 50.0
        line.quantity = 54.0
        order.with_user(self.buyer).action_create_rfq()
        rfq_line = line.purchase_line_id
        self.assertEqual((rfq_line.product_qty, rfq_line.product_uom_id), (9.0, pack))
        self.assertEqual(line.subtotal, rfq_line.price_subtotal)

    def test_buyers_quantity_in_the_rfq(self):
        order = self._run()
        order.with_user(self.buyer).write(
            {
                "line_ids": [
                    fields.Command.update(
                        self._line(order, self.due).id, {"quantity": 50.0}
                    )
                ]
            }
        )
        order.with_user(self.buyer).action_create_rfq()
        quantities = {
            pl.product_id: pl.product_qty for pl in order.purchase_id.order_line
        }
        self.assertEqual(quantities[self.due], 50.0)
        self.assertEqual(self._line(order, self.due).purchase_line_id.product_qty, 50.0)

    def test_two_companies_keep_separate_orders(self):
        company_b = self.company_b
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        product = self._product("B part", standard_price=10.0)
        # company B's own price: the run (in company A) reads B's prices
        self._vendor_price(product, 5, vendor=self.supplier, company_id=company_b.id)
        env_b = self.env(
            context=dict(self.env.context, allowed_company_ids=[company_b.id])
        )
        supplier_b = self.supplier.with_env(env_b).with_company(company_b)
        supplier_b.sop_min_order_value = 0.0
        cycle_b = self.env["sop.cycle"].create({"company_id": company_b.id})
        policy = self.env["sop.inventory.policy"].create(
            {
                "cycle_id": cycle_b.id,
                "company_id": company_b.id,
                "product_id": product.id,
                "warehouse_id": warehouse_b.id,
                "demand_per_day": 1.0,
            }
        )
        env_b["stock.warehouse.orderpoint"].with_company(company_b).create(
            {
                "product_id": product.id,
                "warehouse_id": warehouse_b.id,
                "location_id": warehouse_b.lot_stock_id.id,
                "product_min_qty": 5.0,
                "product_max_qty": 10.0,
                "sop_managed": True,
                "sop_policy_id": policy.id,
            }
        )
        orders = self._run()
        order_a = orders.filtered(lambda o: o.company_id == self.company_a)
        order_b = orders.filtered(lambda o: o.company_id == company_b)
        self.assertEqual(len(order_a), 1)
        self.assertEqual(order_b.line_ids.product_id, product)
        self.assertEqual(order_a.min_value, 500.0)
        self.assertEqual(order_b.min_value, 0.0, "company B's own terms")
        self.assertNotIn(product, order_a.line_ids.product_id)
        visible = self.env["sop.vendor.order"].with_user(self.buyer).search([])
        self.assertEqual(visible, order_a, "the buyer of A does not see B's order")
        # a buyer of both orders A's and B's proposals in one click, working
        # in A: each is ordered from its own company's vendor price
        both = new_test_user(
            self.env,
            "sop_buyer_of_both",
            groups="purchase.group_purchase_user",
            company_id=self.company_a.id,
            company_ids=[(6, 0, (self.company_a | company_b).ids)],
        )
        proposals = (
            self._line(order_a, self.due).proposal_id | order_b.line_ids.proposal_id
        )
        proposals.with_user(both).with_context(
            allowed_company_ids=[self.company_a.id, company_b.id]
        ).action_confirm()
        self.assertEqual(set(proposals.mapped("state")), {"ordered"})
        self.assertEqual(proposals.purchase_id.company_id, self.company_a | company_b)


@tagged("post_install", "-at_install")
class TestVendorReviewPeriod(SopPolicyCase):
    """The vendor's order cycle is the review period of its products' policies."""

    def test_monthly_vendor_needs_more_safety_stock_than_weekly(self):
        monthly = self.env["res.partner"].create(
            {"name": "Monthly Supplier", "sop_order_interval_days": 30}
        )
        self.vendor.sop_order_weekday = "0"  # every Monday: weekly
        self.valve.seller_ids.partner_id = monthly
        self.manual_rule.unlink()
        cycle = self._approve(self._plan(self.pump | self.valve))
        weekly_policy = self._policy(cycle, self.pump)
        monthly_policy = self._policy(cycle, self.valve)
        self.assertEqual(self.vendor.sop_review_days, 7)
        self.assertIn("review 7.0", weekly_policy.explanation)
        self.assertIn("review 30.0", monthly_policy.explanation)
        self.assertGreater(monthly_policy.safety_stock, weekly_policy.safety_stock)
        self.assertGreater(
            monthly_policy.reorder_point, weekly_policy.reorder_point + 200.0
        )


@tagged("post_install", "-at_install")
class TestVendorOrderTour(HttpCase, VendorOrderCase):
    """A buyer without any S&OP role changes a quantity and creates the RFQ."""

    def test_buyer_edits_a_line_and_creates_the_rfq(self):
        order = self._run()
        self.start_tour(
            "/odoo/action-sop_planning.sop_vendor_order_action",
            "sop_vendor_order_buyer",
            login="vo_buyer",
        )
        self.assertEqual(order.state, "rfq")
        quantities = {
            line.product_id: line.product_qty for line in order.purchase_id.order_line
        }
        self.assertEqual(quantities, {self.due: 45.0, self.soon: 20.0})
        self.assertEqual(self._line(order, self.soon).proposed_qty, 14.0)
