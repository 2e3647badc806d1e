from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..engine.vendor_order import budget_fill_rate
from .test_vendor_order import VendorOrderCase


@tagged("post_install", "-at_install")
class TestPurchaseBudget(VendorOrderCase):
    """Budgets per company or category defer lines; the cockpit shows the cost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the deferred product comes from its vendor in 5 days
        policies = cls.env["sop.inventory.policy"].search(
            [("cycle_id", "=", cls.cycle.id)]
        )
        policies.lead_time_days = 5.0

    def _budget(self, amount, category=None):
        return self.env["sop.purchase.budget"].create(
            {
                "date_month": fields.Date.today(),
                "amount": amount,
                "categ_id": category.id if category else False,
            }
        )

    def test_budget_deferring_a_product_at_risk_lowers_the_expected_fill_rate(self):
        budget = self._budget(480.0)
        order = self._run()
        soon = self._line(order, self.soon)
        self.assertEqual(soon.reason, "deferred")
        self.assertEqual(soon.budget_id, budget)
        # 16 on hand at 2 a day: out in 8 days, the next month's order later
        self.assertEqual(budget.deferred_count, 1)
        self.assertEqual(budget.deferred_value, 70.0, "14 x 5")
        self.assertGreater(budget.fill_rate_without, budget.fill_rate_with)
        self.assertGreater(budget.fill_rate_cost, 0.05)
        self.assertAlmostEqual(
            budget.fill_rate_cost, budget.fill_rate_without - budget.fill_rate_with
        )
        # the cockpit reads what the daily run scored
        cycle = self.cycle.with_user(self.sop_user)
        self.assertEqual(cycle.purchase_budget_ids, budget)
        self.assertAlmostEqual(cycle.budget_fill_rate_without, budget.fill_rate_without)
        self.assertAlmostEqual(cycle.budget_fill_rate_with, budget.fill_rate_with)
        self.assertAlmostEqual(cycle.budget_fill_rate_cost, budget.fill_rate_cost)
        self.assertEqual(cycle.deferred_purchase_value, 70.0)
        scored = budget.fill_rate_with
        self._run()
        self.assertEqual(budget.fill_rate_with, scored, "the same figures next run")
        # a budget large enough releases the line and costs nothing
        budget.amount = 10000.0
        self._run()
        self.assertEqual(soon.reason, "added")
        self.assertFalse(soon.budget_note)
        self.assertNotIn("purchase budget", order.explanation)
        self.assertEqual(budget.deferred_count, 0)
        self.assertEqual(budget.fill_rate_cost, 0.0)
        self.assertFalse(cycle.purchase_budget_ids)

    def _open_move(self, source, dest, qty, when, warehouse=None):
        move = self.env["stock.move"].create(
            {
                "product_id": self.soon.id,
                "product_uom_qty": qty,
                "product_uom": self.soon.uom_id.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "date": datetime.combine(when, datetime.min.time()).replace(hour=9),
                "warehouse_id": (warehouse or self.warehouse).id,
            }
        )
        move._action_confirm()
        move.date = datetime.combine(when, datetime.min.time()).replace(hour=9)
        return move

    def test_the_cost_starts_from_stock_owed_deliveries_and_receipts(self):
        """The deferral is scored from the stock on hand, less the deliveries
        already late (owed first), with each open receipt on its day;
        deliveries from the order date on are the simulated demand itself,
        not taken off twice, and stock owed beyond what is on hand is not
        lost (it used to start at zero)."""
        self._budget(480.0)
        line = self._line(self._run(), self.soon)
        today = line.order_id.date_order
        customers = self.env.ref("stock.stock_location_customers")
        vendors = self.env.ref("stock.stock_location_suppliers")
        self._open_move(self.stock, customers, 30.0, today - timedelta(days=3))
        self._open_move(self.stock, customers, 7.0, today)
        self._open_move(self.stock, customers, 9.0, today + timedelta(days=4))
        self._open_move(vendors, self.stock, 11.0, today - timedelta(days=1))
        self._open_move(vendors, self.stock, 25.0, today + timedelta(days=2))
        # 08:00 on the order date in Auckland is 19:00 UTC the day before:
        # a delivery of the order date there, not a late one
        self.env.company.partner_id.tz = "Pacific/Auckland"
        auckland = self._open_move(self.stock, customers, 5.0, today)
        auckland.date = datetime.combine(today - timedelta(days=1), datetime.min.time())
        auckland.date += timedelta(hours=19)
        items, incoming = line.order_id._budget_items(line)
        item = items.set_index("item_id").loc[line.id]
        self.assertEqual(item["on_hand"], 16.0)
        self.assertEqual(item["backlog"], 30.0, "the late delivery only")
        self.assertEqual(
            sorted(incoming[["day", "qty"]].itertuples(index=False, name=None)),
            [(0, 11.0), (2, 25.0)],
            "a late receipt on the order date, the next one on its day",
        )
        # 16 on hand and 11 received do not cover the 30 owed: the 25 on day
        # 2 first pay the rest, so less is served than from an empty start
        scores = budget_fill_rate(items, incoming).set_index("item_id")
        at_zero = budget_fill_rate(items.assign(on_hand=0.0, backlog=0.0), incoming)
        self.assertLess(
            scores.loc[line.id, "served_budget"],
            at_zero.set_index("item_id").loc[line.id, "served_budget"],
        )

    def test_a_budget_values_the_buyers_quantities(self):
        """The buyer changed a line before the budget was set: the deferral
        and its value are the buyer's quantity, and a line the buyer set to
        0 (left out) is not deferred."""
        self.supplier.sop_min_order_value = 600.0  # the later line comes too
        order = self._run()
        self.assertTrue(self._line(order, self.later))
        self._line(order, self.soon).with_user(self.buyer).quantity = 10.0
        self._line(order, self.later).with_user(self.buyer).quantity = 0.0
        budget = self._budget(460.0)
        self._run()
        self.assertEqual(self._line(order, self.soon).reason, "deferred")
        self.assertNotEqual(self._line(order, self.later).reason, "deferred")
        self.assertEqual(budget.deferred_count, 1)
        self.assertEqual(budget.deferred_value, 50.0, "10 x 5, not the 14 proposed")

    def _other_vendor_order(self, vendor, reason, quantity, price=0.0):
        """A vendor order of today from a new ``vendor`` with one line of the
        idle product."""
        return self.env["sop.vendor.order"].create(
            {
                "vendor_id": self.env["res.partner"].create({"name": vendor}).id,
                "warehouse_id": self.warehouse.id,
                "date_order": fields.Date.today(),
                "line_ids": [
                    fields.Command.create(
                        {
                            "product_id": self.idle.id,
                            "reason": reason,
                            "quantity": quantity,
                            "proposed_qty": quantity,
                            "price_unit": price,
                        }
                    )
                ],
            }
        )

    def test_create_rfqs_skips_an_order_the_budget_deferred_whole(self):
        """The buyer selects every proposed order: one the budget deferred
        whole has nothing to order; the others still get their RFQs."""
        order = self._run()
        deferred = self._other_vendor_order("Deferred Supplier", "deferred", 5.0)
        action = (order | deferred).with_user(self.buyer).action_create_rfq()
        self.assertEqual(order.state, "rfq")
        self.assertEqual(deferred.state, "draft")
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(deferred.name, action["params"]["message"])
        with self.assertRaisesRegex(UserError, "has nothing to order"):
            deferred.with_user(self.buyer).action_create_rfq()

    def test_orders_sent_together_share_the_budget(self):
        """Two vendor orders of the month each fit the 480 budget alone (450
        and 50) but not together: sent in one Create RFQs, the second is
        refused and neither RFQ is made; sent one by one, the same."""
        self.due.seller_ids.price = 10.0  # the RFQ buys 45 x 10
        self._budget(480.0)
        order = self._run()
        self.assertEqual(order.amount_total, 450.0)
        second = self._other_vendor_order("Second Supplier", "added", 10.0, 5.0)
        both = (order | second).with_user(self.buyer)
        with self.assertRaises(UserError) as refused:  # rolled back
            both.action_create_rfq()
        self.assertIn(f"{second.name} spends past", str(refused.exception))
        vendors = self.supplier | second.vendor_id
        self.assertFalse(
            self.env["purchase.order"].search([("partner_id", "in", vendors.ids)])
        )
        order.with_user(self.buyer).action_create_rfq()
        with self.assertRaisesRegex(UserError, f"{second.name} spends past"):
            second.with_user(self.buyer).action_create_rfq()

    def test_a_deferred_lines_quantity_is_not_changed_for_nothing(self):
        """A deferred line is not on the RFQ: a buyer's quantity on it would
        be ignored without a word, so it is refused with what to do."""
        self._budget(480.0)
        order = self._run()
        soon = self._line(order, self.soon).with_user(self.buyer)
        self.assertEqual(soon.reason, "deferred")
        with self.assertRaisesRegex(UserError, "not on the RFQ .Deferred .Budget.."):
            soon.quantity = 10.0
        self._line(order, self.due).with_user(self.buyer).quantity = 50.0

    def test_ordered_rfq_leaves_no_cost_in_the_cockpit(self):
        budget = self._budget(480.0)
        order = self._run()
        self.assertEqual(budget.deferred_count, 1)
        order.with_user(self.buyer).action_create_rfq()
        self._run()
        self.assertEqual(budget.deferred_count, 0, "nothing proposed is deferred")
        self.assertEqual(budget.fill_rate_cost, 0.0)
        self.assertFalse(self.cycle.purchase_budget_ids)

    def test_a_deferred_purchase_still_waiting_still_costs(self):
        """A due product deferred by the budget while the rest of its order
        went out as an RFQ: its proposal still waits for next month, so the
        budget still costs its fill rate (it read 0 once the order had its
        RFQ)."""
        self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", self.soon.id)]
        ).product_min_qty = 20.0  # due now: a proposal of its own
        budget = self._budget(460.0)
        order = self._run()
        soon = self._line(order, self.soon)
        self.assertEqual(soon.reason, "deferred")
        self.assertTrue(soon.proposal_id)
        cost = budget.fill_rate_cost
        self.assertGreater(cost, 0.0)
        order.with_user(self.buyer).action_create_rfq()
        self.assertNotIn(self.soon, order.purchase_id.order_line.product_id)
        # the vendor's next order day is tomorrow: no new order holds it yet
        tomorrow = date.today() + timedelta(days=1)
        self.supplier.write(
            {"sop_order_weekday": str(tomorrow.weekday()), "sop_order_lead_days": 0}
        )
        self._run()
        self.assertFalse(order.search([("state", "=", "draft")]))
        self.assertEqual(soon.proposal_id.state, "proposed")
        self.assertEqual(budget.deferred_count, 1)
        self.assertAlmostEqual(budget.fill_rate_cost, cost, delta=0.05)

    def test_automatic_ordering_respects_a_budget(self):
        """A company ordering automatically sets a budget: the purchases it
        caps go through the vendor order, where the budget defers what is
        over it (they were ordered at once, past the budget); a product no
        budget covers is ordered at once."""
        self.company_a.sop_auto_rfq = True
        budget = self._budget(460.0)
        order = self._run()
        self.assertEqual(self._proposals(self.due).state, "proposed")
        self.assertEqual(order.state, "draft")
        self.assertEqual(budget.deferred_count, 1)
        # a budget of another category only: ordered at once as before
        budget.unlink()
        self._budget(10.0, self.env["product.category"].create({"name": "Other"}))
        self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", self.due.id)]
        ).sop_date_checked = False
        self._run()
        self.assertEqual(self._proposals(self.due).state, "ordered")

    def test_no_budget_no_cost(self):
        order = self._run()
        self.assertFalse(order.line_ids.filtered(lambda x: x.reason == "deferred"))
        self.assertFalse(self.cycle.purchase_budget_ids)
        self.assertEqual(self.cycle.budget_fill_rate_cost, 0.0)
        self.assertEqual(self.cycle.budget_fill_rate_with, 0.0)

    def test_category_budget_caps_its_categorys_orders_children_included(self):
        parent = self.env["product.category"].create({"name": "Fittings"})
        child = self.env["product.category"].create(
            {"name": "Elbows", "parent_id": parent.id}
        )
        self.soon.categ_id = child
        fittings = self._budget(50.0, parent)
        company = self._budget(10000.0)
        order = self._run()
        soon = self._line(order, self.soon)
        self.assertEqual(soon.reason, "deferred", "70 over the 50 of Fittings")
        self.assertEqual(soon.budget_id, fittings)
        self.assertIn("Fittings", soon.budget_note)
        self.assertEqual(self._line(order, self.due).reason, "due", "not a fitting")
        self.assertEqual(fittings.deferred_count, 1)
        self.assertEqual(company.deferred_count, 0)
        # the company's total caps what the category budget kept
        fittings.amount = 1000.0
        company.amount = 480.0
        self._run()
        self.assertEqual(soon.reason, "deferred")
        self.assertEqual(soon.budget_id, company)
        self.assertEqual(self._line(order, self.due).reason, "due")

    def test_scores_are_not_typed_in_by_the_purchase_manager(self):
        """The budget's cost is the run's: refused by hand over RPC or import."""
        manager = new_test_user(
            self.env, "vo_budget_manager", groups="purchase.group_purchase_manager"
        )
        budget = self._budget(480.0).with_user(manager)
        budget.amount = 500.0  # the budget itself is the manager's
        with self.assertRaisesRegex(UserError, "Fill Rate Cost"):
            budget.write({"fill_rate_cost": 0.0})
        with self.assertRaisesRegex(UserError, "computed by the vendor order run"):
            budget.create(
                {
                    "date_month": fields.Date.today() + relativedelta(months=1),
                    "amount": 100.0,
                    "deferred_count": 3,
                }
            )
        self._run()
        self.assertEqual(budget.deferred_count, 1, "the run still scores it")
        self.assertGreater(budget.fill_rate_cost, 0.05)

    def test_one_budget_per_company_month_and_category(self):
        self._budget(100.0)
        other = self.env["product.category"].create({"name": "Other"})
        self._budget(50.0, other)
        with self.assertRaises(ValidationError):
            self._budget(200.0)
        with self.assertRaises(ValidationError):
            self._budget(20.0, other)
        next_month = fields.Date.today().replace(day=1) + relativedelta(months=1)
        self.env["sop.purchase.budget"].create(
            {"date_month": next_month, "amount": 100.0}
        )

    def test_a_budget_is_a_sensible_amount(self):
        """A negative, endless or typo-sized budget is refused with the range,
        before the database's check (no failed query in the log)."""
        budget = self._budget(100.0)
        for amount in (-5.0, 1e20, float("nan"), "lots", None, False, True):
            with (
                self.assertRaisesRegex(ValidationError, "from 0 to 1,000,000,000,000"),
                self.assertNoLogs("odoo.sql_db", "ERROR"),
            ):
                budget.write({"amount": amount})
        self.assertEqual(budget.amount, 100.0)
