"""Approval of a cycle: one pipeline of named steps, in a fixed order.

``action_approve`` checks the group and the state, then runs, in this order
(``_approval_prepare``: steps 1-3; ``_approval_chunk``: steps 4 and 5 for
a chunk of products; ``_approval_finalize``: the chatter of 4 and 6; in
sop_cycle_jobs.py, in the request or as background jobs for a large plan):

1. ``_approve_close_previous``: the company's active plans that the
   cycle's scope overlaps are closed;
2. ``_approve_mark_approved``: the cycle is approved (by whom, when) and
   frozen; the review to-dos are closed, as on every move;
3. ``_compute_policy_values(scenario)``: the values of the inventory
   policies from the plan, with the deltas of the scenario the executive
   chose (sop_cycle_execution.py); policies that left the plan are archived;
4. ``_apply_policies_to_rules(policies)``: the policies of a chunk stored
   (``_insert_policies``), then Odoo's reordering rules set from them
   (sop_cycle_execution.py);
5. ``_approve_freeze_accuracy``: the plan copied into the accuracy ledger;
6. ``_approve_notify``: the chatter names the scenario approved with.

A later feature extends a step with ``super()``, never ``action_approve``.
Steps 3 and 4 are the ones the nightly refresh of the active plans runs too
(``_compute_policies``: the values, stored at once).
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from .sop_common import GROUP_EXECUTIVE, GROUP_USER, filtered_action


# sop.cycle is split by review step to keep each file short and focused.
class SopCycle(models.Model):
    """Approval pipeline; the accuracy ledger it fills."""

    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    accuracy_line_ids = fields.One2many(
        "sop.accuracy.line", "cycle_id", groups=GROUP_USER
    )
    accuracy_line_count = fields.Integer(
        compute="_compute_accuracy_line_count", groups=GROUP_USER
    )

    @api.depends("accuracy_line_ids")
    def _compute_accuracy_line_count(self):
        counts = dict(
            self.env["sop.accuracy.line"]._read_group(
                [("cycle_id", "in", self.ids)], ["cycle_id"], ["__count"]
            )
        )
        for cycle in self:
            cycle.accuracy_line_count = counts.get(cycle, 0)

    def action_approve(self):
        """Approve the plan: it becomes the active plan of its scope, frozen."""
        self._check_group(GROUP_EXECUTIVE, self.env._("approve an S&OP cycle"))
        # before any read as superuser below: another company's cycle is
        # refused, not named with its state
        self.check_access("write")
        # an approval whose background run failed is run again to finish it
        # (its chunks write in place: nothing is doubled)
        self.filtered(lambda cycle: not cycle.sudo().approval_unfinished)._check_state(
            "executive_review"
        )
        if len(self.company_id) != len(self):
            raise UserError(self.env._("Approve one cycle per company at a time."))
        self.filtered(
            lambda cycle: not cycle.sudo().approval_unfinished
        )._check_approved_scenario_scored()
        self._check_not_older_than_the_active_plan()
        self._check_closes_whole_plans()
        empty = self.filtered(
            lambda cycle: (
                not self.env["sop.plan.line"].search_count(
                    [("cycle_id", "=", cycle.id)], limit=1
                )
            )
        )[:1]
        if empty:
            raise UserError(
                self.env._(
                    "%s has no plan to approve: reopen the demand review and "
                    "run the forecast first.",
                    empty.name,
                )
            )
        # the steps below, in the request or as jobs (sop_cycle_jobs.py)
        result = True
        for cycle in self:
            result = cycle._sop_run_step("approval")
        return result

    def _check_approved_scenario_scored(self):
        """A plan is approved with a scenario whose figures the executive
        could see: scored on the plan as it is (a change to the plan puts
        the scores back to draft)."""
        blind = self.filtered(
            lambda cycle: (
                cycle.approved_scenario_id
                and cycle.approved_scenario_id.state != "scored"
            )
        )[:1]
        if blind:
            raise UserError(
                self.env._(
                    "Scenario %(scenario)s is not scored on the plan as it is "
                    "now (never scored, or the plan changed since): score the "
                    "scenarios of %(cycle)s and look at its figures before "
                    "approving with it, or clear it to approve the plan as it is.",
                    scenario=blind.approved_scenario_id.name,
                    cycle=blind.display_name,
                )
            )

    def _check_not_older_than_the_active_plan(self):
        """A plan of an earlier month does not replace an approved plan of
        a later one (it would close it and take its policies back): a
        re-plan is of the active plan's month or later."""
        for cycle in self:
            later = cycle._approved_overlapping().filtered(
                lambda other, month=cycle.date_month: other.date_month > month
            )[:1]
            if later:
                raise UserError(
                    self.env._(
                        "%(cycle)s plans %(month)s, before the approved plan "
                        "%(active)s (%(active_month)s) of the same products and "
                        "warehouses: approve a plan of %(active_month)s or later "
                        "instead.",
                        cycle=cycle.name,
                        month=format_date(
                            self.env, cycle.date_month, date_format="MMMM y"
                        ),
                        active=later.name,
                        active_month=format_date(
                            self.env, later.date_month, date_format="MMMM y"
                        ),
                    )
                )

    def _check_closes_whole_plans(self):
        """Approving a plan closes the approved plans its scope overlaps:
        refused while a step of one of them runs, and when one of them also
        plans products or warehouses outside this plan's scope, which would
        be left without a plan (their policies archived, nothing refreshing
        their rules)."""
        Policy = self.env["sop.inventory.policy"].sudo()
        Product = self.env["product.product"].sudo()
        for cycle in self:
            overlapping = cycle._approved_overlapping()
            overlapping._sop_check_no_run()
            warehouse_ids = set(cycle._get_scope_warehouses().ids)
            for active in overlapping:
                # the rules the old plan sets (a skipped policy sets none)
                policies = Policy.search(
                    [("cycle_id", "=", active.id), ("state", "=", "applied")]
                )
                # what the old plan still plans: a product archived or moved
                # out of its own scope, or a warehouse archived, counts not
                still = Product.search(
                    Domain("id", "in", policies.product_id.ids)
                    & active._scope_product_domain()
                )
                kept = set(
                    Product.search(
                        Domain("id", "in", still.ids) & cycle._scope_product_domain()
                    ).ids
                )
                left = policies.filtered(
                    lambda p, still=set(still.ids), kept=kept, wh=warehouse_ids: (
                        p.product_id.id in still
                        and p.warehouse_id.active
                        and (p.warehouse_id.id not in wh or p.product_id.id not in kept)
                    )
                )
                if left:
                    raise UserError(
                        self.env._(
                            "Approving %(cycle)s would close the approved plan "
                            "%(active)s, which also plans %(count)s product(s) x "
                            "warehouse(s) outside %(cycle)s's scope (e.g. "
                            "%(product)s at %(warehouse)s): they would be left "
                            "without a plan. "
                            "Widen %(cycle)s's scope to cover them, or close "
                            "%(active)s first (Close Plan) if they are to be "
                            "planned in a cycle of their own.",
                            cycle=cycle.name,
                            active=active.name,
                            count=len(left),
                            product=left[0].product_id.display_name,
                            warehouse=left[0].warehouse_id.name,
                        )
                    )

    def action_open_accuracy(self):
        """Open the frozen forecast of this cycle and its accuracy."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_accuracy_line_action",
            [("cycle_id", "=", self.id)],
        )

    # ------------------------------------------------------------------
    # Approval steps, in the order action_approve runs them
    # ------------------------------------------------------------------
    def _approve_close_previous(self):
        """Close the active plans whose scope this cycle's overlaps; say
        which cycle follows them. Plans of other warehouses or product
        families stay active."""
        previous = self.browse()
        for cycle in self:
            # one approval of a company at a time: a second one waits on
            # this row, then fails to serialize and is retried (request or
            # job) on a snapshot that sees this one's plan as approved
            self.env.cr.execute(
                SQL(
                    "UPDATE res_company SET write_date = write_date WHERE id = %s",
                    cycle.company_id.id,
                )
            )
            superseded = cycle._approved_overlapping()
            superseded.write({"state": "closed"})
            for old in superseded:
                old.message_post(
                    body=self.env._(
                        "Closed: superseded by the approved cycle %s.", cycle.name
                    )
                )
            previous |= superseded
        # in the database before the approval is checked against it
        previous.flush_recordset(["state"])
        return previous

    def _approve_mark_approved(self):
        """Approved by the current user, now: frozen from here; to-dos closed.
        A plan approved already (its approval finished again) stays as it
        was approved."""
        approving = self.filtered(lambda cycle: cycle.state != "approved")
        approving.with_context(sop_workflow_record=True).write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "date_approved": fields.Datetime.now(),
            }
        )
        self._close_step_activities()
        return True

    def _approve_freeze_accuracy(self, product_ids):
        """Copy each plan's forecast of ``product_ids`` (a chunk of the
        approval) into the accuracy ledger."""
        for cycle in self:
            self.env["sop.accuracy.line"]._freeze(cycle, product_ids=product_ids)
        return True

    def _approve_notify(self):
        """Name in the chatter the scenario the plan is approved with."""
        for cycle in self.filtered("approved_scenario_id"):
            cycle.message_post(
                body=self.env._(
                    "Approved with scenario %s: its deltas are applied to the "
                    "inventory policies.",
                    cycle.approved_scenario_id.name,
                )
            )
        return True
