from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSopCycleTour(HttpCase):
    """A planner and an executive walk a cycle through a real browser."""

    def test_planner_submits_executive_rejects_then_approves(self):
        planner = new_test_user(
            self.env, "tour_planner", groups="sop_planning.group_sop_planner"
        )
        new_test_user(
            self.env, "tour_executive", groups="sop_planning.group_sop_executive"
        )
        cycle = self.env["sop.cycle"].with_user(planner).create({"note": "x"})
        cycle.name = "Tour cycle"

        self.start_tour(
            "/odoo/action-sop_planning.sop_cycle_action",
            "sop_cycle_planner_submit",
            login="tour_planner",
        )
        self.assertEqual(cycle.state, "executive_review")

        self.start_tour(
            "/odoo/action-sop_planning.sop_cycle_action",
            "sop_cycle_executive_reject_approve",
            login="tour_executive",
        )
        self.assertEqual(cycle.state, "approved")
        self.assertEqual(cycle.rejection_reason, "Capacity of vendor A is overstated")
        self.assertEqual(cycle.approved_by_id.login, "tour_executive")
