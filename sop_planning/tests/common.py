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
        cycle.action_start_demand_review()
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        return cycle
