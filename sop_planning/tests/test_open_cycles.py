from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import SopCase


@tagged("post_install", "-at_install")
class TestOpenCycles(SopCase):
    """One open cycle per company, month and scope: a product of a warehouse
    is planned once a month; disjoint scopes are planned side by side."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.month = "2031-03-01"
        cls.main = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_a.id)], limit=1
        )
        cls.north = cls.env["stock.warehouse"].create(
            {"name": "Open North", "code": "ONO", "company_id": cls.company_a.id}
        )
        Category = cls.env["product.category"]
        cls.pumps = Category.create({"name": "Open Pumps"})
        cls.small_pumps = Category.create({"name": "Small", "parent_id": cls.pumps.id})
        cls.valves = Category.create({"name": "Open Valves"})

    def _cycle(self, **vals):
        return self._new_cycle(date_month=self.month, **vals)

    def test_second_open_cycle_of_the_month_is_refused(self):
        first = self._cycle()
        first.action_start_demand_review()
        with self.assertRaises(ValidationError) as refused:
            self._cycle()
        message = str(refused.exception)
        self.assertIn(first.name, message, "the error names the other cycle")
        self.assertIn("Demand Review", message)
        self.assertIn("March 2031", message)
        self.assertIn(self.main.name, message, "and the warehouses both plan")
        # in the planner's language, the other cycle's state too
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(["sop_planning"], ["da_DK"])
        with self.assertRaises(ValidationError) as refused:
            self.env(user=self.planner, context={"lang": "da_DK"})["sop.cycle"].create(
                {"date_month": self.month}
            )
        self.assertIn("planlægger allerede marts 2031", str(refused.exception))
        self.assertIn("(Efterspørgselsgennemgang)", str(refused.exception))

    def test_overlap_of_each_part_of_the_scope(self):
        self._cycle(
            warehouse_ids=[Command.set(self.main.ids)],
            product_category_ids=[Command.set(self.pumps.ids)],
        )
        # an empty scope means everything: all warehouses, all categories
        with self.assertRaises(ValidationError):
            self._cycle(product_category_ids=[Command.set(self.pumps.ids)])
        with self.assertRaises(ValidationError):
            self._cycle(warehouse_ids=[Command.set(self.main.ids)])
        # a sub-category is part of its parent's scope
        with self.assertRaises(ValidationError) as refused:
            self._cycle(product_category_ids=[Command.set(self.small_pumps.ids)])
        self.assertIn("Open Pumps / Small", str(refused.exception))
        # disjoint: another warehouse, or another category
        north = self._cycle(
            warehouse_ids=[Command.set(self.north.ids)],
            product_category_ids=[Command.set(self.pumps.ids)],
        )
        valves = self._cycle(
            warehouse_ids=[Command.set(self.main.ids)],
            product_category_ids=[Command.set(self.valves.ids)],
        )
        # a scope widened onto another open cycle's is refused as well
        with self.assertRaises(ValidationError):
            valves.product_category_ids = [Command.link(self.small_pumps.id)]
        with self.assertRaises(ValidationError):
            north.warehouse_ids = False

    def test_product_filters_overlap_when_a_product_matches_both(self):
        Product = self.env["product.product"]
        Product.create(
            [
                {"name": "Filter Pump", "default_code": "FP-1", "is_storable": True},
                {"name": "Filter Valve", "default_code": "FV-1", "is_storable": True},
            ]
        )
        self._cycle(product_domain="[('default_code', '=like', 'FP-%')]")
        self._cycle(product_domain="[('default_code', '=like', 'FV-%')]")
        with self.assertRaises(ValidationError):
            self._cycle(product_domain="[('name', 'ilike', 'Filter')]")
        with self.assertRaises(ValidationError):
            self._cycle()  # no filter: every product, FP-1 and FV-1 among them

    def test_other_months_companies_and_frozen_cycles_do_not_count(self):
        first = self._cycle()
        self._new_cycle(date_month="2031-04-01")
        self._new_cycle(user=self.planner_b, date_month=self.month)
        # a plan approved for the month may be planned again (a re-plan)
        self._to_executive_review(first)
        first.with_user(self.executive).action_approve()
        replan = self._cycle()
        self.assertEqual(replan.state, "draft")
        # moving a cycle onto a month already planned is refused
        may = self._new_cycle(date_month="2031-05-01")
        with self.assertRaises(ValidationError):
            may.date_month = self.month

    def test_monthly_job_opens_next_month_for_each_scope(self):
        """Each warehouse planned in its own cycle gets its own next cycle,
        as its active plan (not a re-plan still open), else as its newest
        cycle; a warehouse whose next month a planner already opened keeps
        that one."""
        this_month = fields.Date.today().replace(day=1)
        next_month = this_month + relativedelta(months=1)
        main = self._new_cycle(
            date_month=this_month,
            warehouse_ids=[Command.set(self.main.ids)],
            horizon_months=9,
        )
        self._to_executive_review(main)
        main.with_user(self.executive).action_approve()
        self._new_cycle(
            date_month=this_month,
            warehouse_ids=[Command.set(self.main.ids)],
            horizon_months=6,
        )
        self._new_cycle(
            date_month=this_month, warehouse_ids=[Command.set(self.north.ids)]
        )
        south = self.env["stock.warehouse"].create(
            {"name": "Open South", "code": "OSO", "company_id": self.company_a.id}
        )
        self._new_cycle(date_month=this_month, warehouse_ids=[Command.set(south.ids)])
        self._new_cycle(
            date_month=next_month,
            warehouse_ids=[Command.set(self.north.ids)],
            horizon_months=3,
        )
        cron = self.env.ref("sop_planning.ir_cron_sop_open_cycle")
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
            cron.method_direct_trigger()
        opened = self.env["sop.cycle"].search(
            [("company_id", "=", self.company_a.id), ("date_month", "=", next_month)]
        )
        self.assertEqual(
            sorted((c.warehouse_ids.name, c.horizon_months) for c in opened),
            sorted([(self.main.name, 9), (self.north.name, 3), (south.name, 12)]),
        )
