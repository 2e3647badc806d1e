"""The cycle's side of its long steps (sop_step_run.py): start, refuse, show.

Also the approval as a step: prepare, chunk and finalize around the pipeline
of sop_cycle_approval.py.
"""

import json
from collections import Counter
from textwrap import shorten

import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .sop_common import GROUP_EXECUTIVE, GROUP_USER
from .sop_cycle import SCOPE_STATES
from .sop_step_run import STEP_GROUPS

# a hand-off refused while the last run of the step it leaves failed
STEP_BEFORE_MOVE = {
    ("demand_review", "supply_review"): "forecast",
    ("supply_review", "reconciliation"): "supply",
}


class SopCycle(models.Model):
    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    step_run_ids = fields.One2many(
        "sop.step.run", "cycle_id", string="Step Runs", groups=GROUP_USER
    )
    step_running = fields.Boolean(compute="_compute_step_running", groups=GROUP_USER)
    step_progress = fields.Char(compute="_compute_step_running", groups=GROUP_USER)
    approval_unfinished = fields.Boolean(
        compute="_compute_step_running",
        groups=GROUP_USER,
        help="The plan is approved but its approval's background run failed "
        "before every policy, rule and ledger row was written: approve again "
        "to finish it.",
    )

    @api.depends("step_run_ids.state", "step_run_ids.chunk_ids.state")
    def _compute_step_running(self):
        for cycle in self:
            run = cycle.step_run_ids.sorted("id")[-1:]
            cycle.step_running = run.state == "running"
            cycle.step_progress = run.progress if run else False
            cycle.approval_unfinished = (
                cycle.state == "approved"
                and run.step == "approval"
                and run.state == "failed"
            )

    def _sop_run_step(self, step):
        """Run ``step`` (a key of ``STEPS``): inline when small, else as jobs.

        Refused while a run of the same cycle is in progress.
        """
        self.ensure_one()
        step_name = dict(
            self.env["sop.step.run"]._fields["step"]._description_selection(self.env)
        )[step]
        self._check_group(STEP_GROUPS[step], step_name)
        self._sop_check_no_run()
        # scoring evaluates every product once per scenario and the base plan
        per = len(self.scenario_ids) + 1 if step == "scoring" else 1
        return self.env["sop.step.run"]._sop_start(
            step, self._sop_step_size(step), cycle=self, per=per
        )

    def _sop_step_size(self, step):
        """Products the step works on, to choose inline or jobs."""
        if step in ("supply", "approval", "scoring"):
            return len(self._cycle_product_ids())
        return len(self._get_scope_products())

    def _cycle_product_ids(self, model="sop.forecast"):
        """Sorted ids of the products of this cycle's ``model`` rows (its
        forecasts, or plan lines), read in SQL: no product record is read."""
        Rows = self.env[model]
        Rows.flush_model(["cycle_id", "product_id"])
        query = Rows._search([("cycle_id", "=", self.id)])
        rows = self.env.execute_query(
            query.select(
                SQL("DISTINCT %s", Rows._field_to_sql(Rows._table, "product_id", query))
            )
        )
        return sorted(product_id for (product_id,) in rows)

    # ------------------------------------------------------------------
    # Approval as a step (the pipeline of sop_cycle_approval.py)
    # ------------------------------------------------------------------
    def _approval_prepare(self):
        """Close the previous plan, approve, compute the values of all the
        policies (the engine needs the whole catalogue at once) and archive
        the policies that left the plan; the chunks store the others."""
        self._check_group(GROUP_EXECUTIVE, self.env._("approve an S&OP cycle"))
        self._approve_close_previous()
        self._approve_mark_approved()
        vals_list = self._compute_policy_values(scenario=self.approved_scenario_id)
        if vals_list is None:  # no forecast: the policies are left as they are
            vals_list = []
        else:
            self.env["sop.inventory.policy"]._archive_left_plan(
                self, {(vals["product_id"], vals["warehouse_id"]) for vals in vals_list}
            )
        # one JSON text per policy: its values come back as they were
        frame = pd.DataFrame(
            {
                "product_id": [vals["product_id"] for vals in vals_list],
                "vals": [json.dumps(vals, default=_plain) for vals in vals_list],
            }
        )
        # the chunks also freeze the plan lines of their products
        product_ids = set(frame["product_id"]).union(
            self._cycle_product_ids("sop.plan.line")
        )
        return sorted(product_ids), {"policies": frame}, {}

    def _approval_chunk(self, product_ids, frames):
        """Store the policies of ``product_ids`` and write their reordering
        rules; freeze their plan lines into the accuracy ledger (in
        parallel chunks: a million lines for 100,000 products)."""
        vals_list = [json.loads(text) for text in frames["policies"]["vals"]]
        policies = self.env["sop.inventory.policy"].browse(
            self._insert_policies(vals_list, product_ids=product_ids)
        )
        self.with_context(sop_policy_summary_later=True)._apply_policies_to_rules(
            policies
        )
        self._approve_freeze_accuracy(product_ids=product_ids)
        return dict(Counter(policies.mapped("state")))

    def _approval_finalize(self, counts, info):
        """Sum up the rules of all chunks once; name the scenario."""
        self._post_policy_summary(counts)
        self._approve_notify()
        return True

    def _sop_check_no_run(self):
        """Refuse a long step or a move while a step of the cycle is running
        (read as superuser: the step's own group check follows and names the
        role, not this technical field)."""
        runs = self.sudo().step_run_ids.filtered(lambda r: r.state == "running")
        runs._sop_check_interrupted()
        running = runs.filtered(lambda r: r.state == "running")
        if running:
            raise UserError(
                self.env._(
                    "Cycle %(cycle)s is busy: %(progress)s. Wait until it ends.",
                    cycle=running[0].cycle_id.display_name,
                    progress=running[0].progress,
                )
            )

    def _move_to(self, new_state, from_state):
        self._sop_check_no_run()
        step = STEP_BEFORE_MOVE.get((from_state, new_state))
        if step:
            self._sop_check_last_run_done(step)
        return super()._move_to(new_state, from_state)

    def _sop_check_last_run_done(self, step):
        """Refuse to hand a plan on whose last ``step`` run failed in the
        background: some of its products kept the former figures."""
        for cycle in self:
            run = (
                cycle.sudo()
                .step_run_ids.filtered(lambda r, step=step: r.step == step)
                .sorted("id")[-1:]
            )
            if run.state == "failed":
                raise UserError(
                    self.env._(
                        "Cycle %(cycle)s: the last %(step)s failed (%(reason)s); "
                        "some products keep their former figures. Run it again "
                        "before handing the plan on.",
                        cycle=cycle.display_name,
                        step=run._sop_step_name(),
                        reason=shorten(run.error or "", 200, placeholder="..."),
                    )
                )

    def write(self, vals):
        # what a running step reads: its scope, horizon and history, and the
        # service level its policies plan (the runs write as superuser)
        if not self.env.su and (set(SCOPE_STATES) | {"service_level"}) & set(vals):
            self._sop_check_no_run()
        return super().write(vals)

    def action_reject(self):
        self._sop_check_no_run()
        return super().action_reject()

    def _reject(self, reason):
        self._sop_check_no_run()
        return super()._reject(reason)

    @api.model
    def _cron_sop_check_interrupted_runs(self):
        """Cron: fail and report the job runs with no job left in the queue,
        so that no cycle shows a step running for ever."""
        runs = (
            self.env["sop.step.run"]
            .sudo()
            .search([("state", "=", "running"), ("mode", "=", "jobs")])
        )
        runs._sop_check_interrupted()
        return True

    def _sop_companies_approving(self):
        """Companies with an approval run in progress (rules being written)."""
        runs = (
            self.env["sop.step.run"]
            .sudo()
            .search([("step", "=", "approval"), ("state", "=", "running")])
        )
        return runs.company_id

    def _sop_running_product_ids(self):
        """Products whose plan lines a running forecast still writes.

        None when all of them (the run is still preparing).
        """
        self.ensure_one()
        runs = self.step_run_ids.filtered(
            lambda r: r.state == "running" and r.mode == "jobs" and r.step == "forecast"
        )
        if not runs:
            return set()
        if not runs.chunk_ids:
            return None
        pending = runs.chunk_ids.filtered(lambda c: c.state != "done")
        return {pid for chunk in pending for pid in chunk.product_ids}


def _plain(value):
    """A numpy scalar as the Python value JSON writes."""
    return value.item()
