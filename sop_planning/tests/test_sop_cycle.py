from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import SopCase, one_line_plan


@tagged("post_install", "-at_install")
class TestSopCycle(SopCase):
    def test_happy_path_through_every_state(self):
        cycle = self._new_cycle(date_month="2026-12-17", supply_user_id=self.planner.id)
        self.assertEqual(cycle.state, "draft")
        self.assertEqual(cycle.date_month, date(2026, 12, 1), "moved to the 1st")
        self.assertTrue(cycle.name.startswith("S&OP/2026-12/"), cycle.name)
        self.assertEqual(cycle.horizon_months, 12)
        self.assertEqual(cycle.history_months, 36)

        steps = [
            ("action_start_demand_review", "demand_review"),
            ("action_submit_supply_review", "supply_review"),
            ("action_submit_reconciliation", "reconciliation"),
            ("action_submit_executive_review", "executive_review"),
        ]
        for method, state in steps:
            getattr(cycle, method)()
            self.assertEqual(cycle.state, state)
            if state == "demand_review":
                one_line_plan(cycle)
        cycle.with_user(self.executive).action_approve()
        self.assertEqual(cycle.state, "approved")
        self.assertTrue(cycle.is_active_plan)
        self.assertEqual(cycle.approved_by_id, self.executive)
        cycle.with_user(self.executive).action_close()
        self.assertEqual(cycle.state, "closed")

    def test_a_new_cycle_is_named_and_dated_for_the_month_it_plans(self):
        """A duplicate moved to the next month takes that month's name (it
        kept January's in lists, chatter and the workbook's file name); New
        proposes the month after the company's newest cycle, not a
        month before it that could not start."""
        first = self._new_cycle(date_month="2031-01-01")
        number = first.name.rpartition("/")[2]
        self.assertEqual(first.name, f"S&OP/2031-01/{number}")
        first.date_month = date(2031, 2, 1)
        self.assertEqual(first.name, f"S&OP/2031-02/{number}")
        first.action_start_demand_review()
        one_line_plan(first)
        for method in (
            "action_submit_supply_review",
            "action_submit_reconciliation",
            "action_submit_executive_review",
        ):
            getattr(first, method)()
        first.with_user(self.executive).action_approve()
        self.assertEqual(
            Form(self.env["sop.cycle"].with_user(self.planner)).date_month,
            date(2031, 3, 1),
        )
        # March open already: April
        self._new_cycle(date_month="2031-03-01").action_start_demand_review()
        self.assertEqual(
            Form(self.env["sop.cycle"].with_user(self.planner)).date_month,
            date(2031, 4, 1),
        )

    def test_a_cycle_without_a_plan_is_not_approved(self):
        """A cycle whose forecast never ran (a company without a warehouse)
        reaches the executive review; its approval is refused, so it closes
        no active plan."""
        cycle = self._new_cycle()
        cycle.action_start_demand_review()
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        with self.assertRaisesRegex(UserError, "has no plan to approve"):
            cycle.with_user(self.executive).action_approve()
        self.assertEqual(cycle.state, "executive_review")

    def test_hand_off_schedules_activity_for_next_responsible(self):
        cycle = self._new_cycle(
            supply_user_id=self.sop_admin.id, supply_date_deadline="2026-12-10"
        )
        cycle.action_start_demand_review()
        cycle.action_submit_supply_review()
        activity = cycle.activity_ids
        self.assertEqual(len(activity), 1, "the demand step's to-do is closed")
        self.assertEqual(activity.user_id, self.sop_admin)
        self.assertEqual(activity.date_deadline, date(2026, 12, 10))
        self.assertIn("Supply Review", activity.summary)

    def test_a_step_without_an_active_responsible_goes_to_who_may_do_it(self):
        """No executive named: the executive review's to-do goes to an
        executive, not to the planner who submitted; a responsible since
        archived is passed over."""
        gone = new_test_user(
            self.env, "sop_gone", groups="sop_planning.group_sop_planner"
        )
        cycle = self._new_cycle(demand_user_id=gone.id)
        gone.active = False
        cycle.action_start_demand_review()
        self.assertEqual(cycle.activity_ids.user_id, self.planner)
        one_line_plan(cycle)
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        todo = cycle.activity_ids
        self.assertEqual(len(todo), 1)
        self.assertNotEqual(todo.user_id, self.planner)
        self.assertTrue(todo.user_id.has_group("sop_planning.group_sop_executive"))

    def _executive_b(self):
        """An executive of company B only."""
        return new_test_user(
            self.env,
            "sop_executive_b",
            groups="sop_planning.group_sop_executive",
            company_id=self.company_b.id,
            company_ids=[(6, 0, self.company_b.ids)],
        )

    def test_the_executive_to_do_goes_to_the_companys_own_executive(self):
        """An administrator allowed in every company is not company B's
        executive: B's review goes to the executive whose main company is B
        (it went to the user of lowest id allowed in B)."""
        executive_b = self._executive_b()
        cycle = self._to_executive_review(self._new_cycle(user=self.planner_b))
        self.assertEqual(cycle.activity_ids.user_id, executive_b)
        # company A's administrator (lowest id, an S&OP administrator) is not
        # its executive either
        cycle_a = self._to_executive_review(self._new_cycle())
        self.assertEqual(cycle_a.activity_ids.user_id, self.executive)

    def test_another_companys_cycle_is_refused_not_described(self):
        """Approving or updating the actuals of another company's cycle is
        an access error; the approval named that cycle and its state, the
        actuals answered as if done."""
        cycle_a = self._to_executive_review(self._new_cycle())
        executive_b = self._executive_b()
        with self.assertRaises(AccessError):
            cycle_a.with_user(executive_b).action_approve()
        with self.assertRaises(AccessError):
            cycle_a.with_user(self.planner_b).action_refresh_actuals()
        self.assertEqual(cycle_a.state, "executive_review")

    def test_reject_requires_reason_and_posts_it(self):
        cycle = self._to_executive_review(self._new_cycle())
        wizard_action = cycle.with_user(self.executive).action_reject()
        self.assertEqual(wizard_action["res_model"], "sop.cycle.reject")
        with self.assertRaises(UserError):
            cycle.with_user(self.executive)._reject("   ")
        self.assertEqual(cycle.state, "executive_review")

        wizard = Form(
            self.env["sop.cycle.reject"]
            .with_user(self.executive)
            .with_context(**wizard_action["context"])
        )
        wizard.reason = "Demand for category Pumps is too optimistic"
        wizard.save().action_confirm()
        self.assertEqual(cycle.state, "reconciliation")
        self.assertEqual(
            cycle.rejection_reason, "Demand for category Pumps is too optimistic"
        )
        bodies = cycle.message_ids.mapped("body")
        self.assertTrue(any("too optimistic" in body for body in bodies), bodies)

    def test_planner_cannot_approve_or_reject(self):
        cycle = self._to_executive_review(self._new_cycle())
        with self.assertRaises(AccessError):
            cycle.with_user(self.planner).action_approve()
        with self.assertRaises(AccessError):
            cycle.with_user(self.planner)._reject("no")
        with self.assertRaises(AccessError):
            cycle.with_user(self.planner).write({"state": "approved"})
        self.assertEqual(cycle.state, "executive_review")

    def test_reader_cannot_move_or_write(self):
        cycle = self._new_cycle()
        reader_cycle = cycle.with_user(self.sop_user)
        self.assertEqual(reader_cycle.state, "draft", "the reader can read")
        with self.assertRaises(AccessError):
            reader_cycle.action_start_demand_review()
        with self.assertRaises(AccessError):
            reader_cycle.write({"horizon_months": 6})
        with self.assertRaises(AccessError):
            self.env["sop.cycle"].with_user(self.sop_user).create({})

    def test_state_cannot_skip_steps(self):
        cycle = self._new_cycle()
        with self.assertRaises(UserError):
            cycle.action_submit_executive_review()
        with self.assertRaises(UserError):
            cycle.with_user(self.executive).write({"state": "approved"})
        with self.assertRaises(UserError):
            self._new_cycle(state="approved")

    def test_approved_cycle_is_frozen(self):
        cycle = self._to_executive_review(self._new_cycle())
        cycle.with_user(self.executive).action_approve()
        for user in (self.planner, self.executive, self.sop_admin):
            with self.assertRaises(UserError):
                cycle.with_user(user).write({"horizon_months": 6})
        with self.assertRaises(UserError):
            cycle.with_user(self.sop_admin).unlink()
        self.assertEqual(cycle.horizon_months, 12)
        cycle.with_user(self.executive).message_post(body="Chatter stays open")

    def test_approving_closes_a_plan_another_user_wrote_last(self):
        """The active plan last written by someone else (the nightly refresh
        runs as OdooBot): approving the next one closes it first, instead of
        failing on the one-approved-plan index (its closing was flushed after
        the approval when their changed fields sorted it last)."""
        first = self._to_executive_review(self._new_cycle(date_month="2026-11-01"))
        first.with_user(self.executive).action_approve()
        second = self._to_executive_review(self._new_cycle(date_month="2026-12-01"))
        # the executive wrote the new plan last (submitted it, say), OdooBot
        # the active one
        self.env.flush_all()
        for cycle, user in (
            (first, self.env.ref("base.user_root")),
            (second, self.executive),
        ):
            self.env.cr.execute(
                "UPDATE sop_cycle SET write_uid = %s WHERE id = %s", (user.id, cycle.id)
            )
        self.env.invalidate_all()
        second.with_user(self.executive).action_approve()
        self.env.flush_all()
        self.assertEqual((first.state, second.state), ("closed", "approved"))

    def test_approving_second_cycle_closes_first(self):
        first = self._to_executive_review(self._new_cycle(date_month="2026-11-01"))
        first.with_user(self.executive).action_approve()
        second = self._to_executive_review(self._new_cycle(date_month="2026-12-01"))
        second.with_user(self.executive).action_approve()
        self.assertEqual(first.state, "closed")
        self.assertEqual(second.state, "approved")
        self.assertEqual(
            self.env["sop.cycle"].search_count(
                [("company_id", "=", self.company_a.id), ("state", "=", "approved")]
            ),
            1,
        )
        with self.assertRaises(UserError):
            first.with_user(self.sop_admin).write({"note": "reopen"})

    def test_hand_off_and_refusal_in_the_words_of_their_reader(self):
        """An English planner hands the supply review to a Danish planner:
        the to-do is in Danish, its step named in Danish; a Danish planner
        refused a step reads the cycle's states in Danish."""
        danish = self._danish_reader(
            "sop_danish_supply", "sop_planning.group_sop_planner"
        )
        self.env["ir.module.module"]._load_module_terms(["sop_planning"], ["da_DK"])
        cycle = self._new_cycle(supply_user_id=danish.id)
        cycle.action_start_demand_review()
        cycle.with_context(lang="en_US").action_submit_supply_review()
        todo = cycle.activity_ids.filtered(lambda a: a.user_id == danish)
        self.assertEqual(todo.summary, f"Forsyningsgennemgang af {cycle.name}")
        other = self._new_cycle(date_month="2031-06-01")
        with self.assertRaises(UserError) as refused:
            other.with_user(danish).with_context(
                lang="da_DK"
            ).action_submit_reconciliation()
        self.assertIn(
            "er i Kladde; dette trin kræver Forsyningsgennemgang",
            str(refused.exception),
        )

    def test_server_refuses_two_active_plans_of_one_scope(self):
        """However the state is written, a warehouse follows one approved
        plan: a second one is refused on the server, naming the first."""
        first = self._to_executive_review(self._new_cycle(date_month="2031-01-01"))
        second = self._to_executive_review(self._new_cycle(date_month="2031-02-01"))
        first.with_user(self.executive).action_approve()
        with self.assertRaises(ValidationError) as refused:
            second.with_user(self.executive).write({"state": "approved"})
        self.assertIn(first.name, str(refused.exception))

    def test_approval_does_not_close_a_plan_whose_step_runs(self):
        """The approved plan a new approval would close is still running a
        step: the approval waits, as Close Plan does."""
        first = self._to_executive_review(self._new_cycle(date_month="2031-01-01"))
        first.with_user(self.executive).action_approve()
        second = self._to_executive_review(self._new_cycle(date_month="2031-02-01"))
        self.env["sop.step.run"].sudo().create(
            {"cycle_id": first.id, "step": "scoring", "mode": "inline"}
        )
        with self.assertRaisesRegex(UserError, f"Cycle {first.name} is busy"):
            second.with_user(self.executive).action_approve()
        self.assertEqual((first.state, second.state), ("approved", "executive_review"))

    def test_other_company_cycles_are_invisible(self):
        cycle_a = self._new_cycle()
        cycle_b = self._new_cycle(user=self.planner_b)
        self.assertEqual(cycle_b.company_id, self.company_b)
        visible_to_b = self.env["sop.cycle"].with_user(self.planner_b).search([])
        self.assertIn(cycle_b, visible_to_b)
        self.assertNotIn(cycle_a, visible_to_b)
        with self.assertRaises(AccessError):
            cycle_a.with_user(self.planner_b).read(["name"])
        with self.assertRaises(AccessError):
            cycle_a.with_user(self.planner_b).action_start_demand_review()

    def test_a_cycle_is_not_moved_into_another_company(self):
        """A planner of company B moves their draft cycle to company A,
        which is not theirs: refused before any check reads company A's
        plans (whose names an overlap message would show)."""
        cycle_b = self._new_cycle(user=self.planner_b)
        self._new_cycle(date_month=cycle_b.date_month)  # company A's plan
        with self.assertRaisesRegex(AccessError, "one of your companies"):
            cycle_b.with_user(self.planner_b).write({"company_id": self.company_a.id})
        self.assertEqual(cycle_b.company_id, self.company_b)
        with self.assertRaisesRegex(AccessError, "one of your companies"):
            self._new_cycle(user=self.planner_b, company_id=self.company_a.id)

    def test_warehouse_of_another_company_refused(self):
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_b.id)], limit=1
        )
        with self.assertRaises(UserError):
            self._new_cycle(
                user=self.sop_admin, warehouse_ids=[(6, 0, warehouse_b.ids)]
            )

    def test_invalid_product_filter_refused(self):
        with self.assertRaises(UserError):
            self._new_cycle(product_domain="[('no_such_field', '=', 1)]")

    def test_only_draft_cycles_can_be_deleted(self):
        draft = self._new_cycle(date_month="2031-01-01")
        started = self._new_cycle(date_month="2031-02-01")
        started.action_start_demand_review()
        with self.assertRaises(UserError):
            started.unlink()
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_scope_products_follow_categories_and_filter(self):
        categ = self.env["product.category"].create({"name": "Pumps"})
        sub = self.env["product.category"].create(
            {"name": "Small", "parent_id": categ.id}
        )
        product_vals = {"is_storable": True, "type": "consu"}
        in_scope = self.env["product.product"].create(
            dict(product_vals, name="Pump S", categ_id=sub.id, default_code="P-1")
        )
        filtered_out = self.env["product.product"].create(
            dict(product_vals, name="Pump X", categ_id=categ.id, default_code="X-1")
        )
        other = self.env["product.product"].create(dict(product_vals, name="Valve"))
        service = self.env["product.product"].create(
            {"name": "Repair", "type": "service", "categ_id": categ.id}
        )
        cycle = self._new_cycle(
            product_category_ids=[(6, 0, categ.ids)],
            product_domain="[('default_code', '=like', 'P-%')]",
        )
        scope = cycle._get_scope_products()
        self.assertIn(in_scope, scope)
        self.assertNotIn(filtered_out, scope)
        self.assertNotIn(other, scope)
        self.assertNotIn(service, scope)

    def test_defaults_come_from_company_settings(self):
        settings = self.env["res.config.settings"].create(
            {
                "sop_horizon_months": 18,
                "sop_history_months": 24,
                "sop_service_level": 97.5,
            }
        )
        settings.execute()
        cycle = self._new_cycle()
        self.assertEqual(cycle.horizon_months, 18)
        self.assertEqual(cycle.history_months, 24)
        self.assertEqual(cycle.service_level, 97.5)
