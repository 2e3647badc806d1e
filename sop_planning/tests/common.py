from odoo.tests import TransactionCase, new_test_user


class SopCase(TransactionCase):
    """Users of every S&OP role in two companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "S&OP Company B"})
        companies = (cls.company_a | cls.company_b).ids
        cls.sop_user = new_test_user(
            cls.env, "sop_reader", groups="sop_planning.group_sop_user"
        )
        cls.planner = new_test_user(
            cls.env, "sop_planner", groups="sop_planning.group_sop_planner"
        )
        cls.executive = new_test_user(
            cls.env, "sop_executive", groups="sop_planning.group_sop_executive"
        )
        cls.planner_b = new_test_user(
            cls.env,
            "sop_planner_b",
            groups="sop_planning.group_sop_planner",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, [cls.company_b.id])],
        )
        cls.sop_admin = new_test_user(
            cls.env,
            "sop_admin",
            groups="sop_planning.group_sop_manager",
            company_ids=[(6, 0, companies)],
        )

    def _danish_reader(self, login, groups):
        """A user reading in Danish, while OdooBot (the crons) runs in English."""
        self.env["res.lang"]._activate_lang("da_DK")
        self.env.ref("base.user_root").lang = "en_US"
        return new_test_user(self.env, login, groups=groups, lang="da_DK")

    def _new_cycle(self, user=None, **vals):
        env = self.env(user=user or self.planner)
        return env["sop.cycle"].create(vals)

    def _to_executive_review(self, cycle):
        """``cycle`` in executive review, with a plan to approve: one month
        of a part at the company's warehouse where it has none."""
        cycle.action_start_demand_review()
        if not cycle.plan_line_ids:
            one_line_plan(cycle)
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        return cycle


def one_line_plan(cycle):
    """A forecast and one plan line of a part for ``cycle``, as a forecast
    run makes (a plan to approve)."""
    env = cycle.sudo().env
    product = env["product.product"].create({"name": "Plan part", "type": "consu"})
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", cycle.company_id.id)], limit=1
    )
    forecast = env["sop.forecast"].create(
        {
            "cycle_id": cycle.id,
            "company_id": cycle.company_id.id,
            "product_id": product.id,
            "warehouse_id": warehouse.id,
        }
    )
    return env["sop.plan.line"].create(
        {
            "cycle_id": cycle.id,
            "forecast_id": forecast.id,
            "product_id": product.id,
            "warehouse_id": warehouse.id,
            "date_month": cycle.date_month,
            "forecast_qty": 10.0,
        }
    )
