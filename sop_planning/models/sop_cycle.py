"""S&OP cycle: one monthly plan of a company, from draft to approved.

``sop.cycle`` is split by review step, one file each:

- ``sop_cycle.py``: states and transitions (group and state checks, to-dos),
  scope, the freeze rule (``is_frozen``, ``_frozen_exempt_fields``) and the
  ``_on_plan_changed`` hook;
- ``sop_cycle_actuals.py``: actual demand of past months, forecast value added;
- ``sop_cycle_forecast.py``: demand review: history -> forecast -> plan lines;
- ``sop_cycle_supply.py``: supply review: projected stock, vendors, money;
- ``sop_cycle_supply_plan.py``: the supply plan: draft policies, planned
  receipts, money per month with the plan, reuse of the drafts at approval;
- ``sop_cycle_execution.py``: inventory policies and reordering rules of the
  approved plan, their nightly refresh, next month's cycle;
- ``sop_cycle_scenario.py``: what-if scenarios, their scores, the scenario the
  plan is approved with;
- ``sop_cycle_workbook.py``: the Excel workbook;
- ``sop_cycle_approval.py``: the approval, one pipeline of named steps, and
  the accuracy ledger it fills.

The freeze rule itself is the mixin ``sop.frozen.mixin`` (``sop_frozen_mixin.py``),
shared with the plan's data (forecasts, plan lines, scenarios).
"""

from datetime import datetime

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date
from odoo.tools.safe_eval import safe_eval

from .sop_common import (
    GROUP_EXECUTIVE,
    GROUP_MANAGER,
    GROUP_PLANNER,
    check_recorded_not_typed,
    first_of_this_month,
)

STATES = [
    ("draft", "Draft"),
    ("demand_review", "Demand Review"),
    ("supply_review", "Supply Review"),
    ("reconciliation", "Reconciliation"),
    ("executive_review", "Executive Review"),
    ("approved", "Approved"),
    ("closed", "Closed"),
]

# (from state, to state) -> group allowed to make the move.
TRANSITIONS = {
    ("draft", "demand_review"): GROUP_PLANNER,
    ("demand_review", "supply_review"): GROUP_PLANNER,
    ("supply_review", "reconciliation"): GROUP_PLANNER,
    ("reconciliation", "executive_review"): GROUP_PLANNER,
    # back to the demand (after a rejection, or a supply finding)
    ("supply_review", "demand_review"): GROUP_PLANNER,
    ("reconciliation", "demand_review"): GROUP_PLANNER,
    ("executive_review", "reconciliation"): GROUP_EXECUTIVE,
    ("executive_review", "approved"): GROUP_EXECUTIVE,
    ("approved", "closed"): GROUP_EXECUTIVE,
}

# The review step each state stands for: its responsible and due date fields.
STEP_FIELDS = {
    "demand_review": ("demand_user_id", "demand_date_deadline"),
    "supply_review": ("supply_user_id", "supply_date_deadline"),
    "reconciliation": ("reconciliation_user_id", "reconciliation_date_deadline"),
    "executive_review": ("executive_user_id", "executive_date_deadline"),
}

FROZEN_STATES = ("approved", "closed")
# a cycle still being planned: its scope must not overlap another's
OPEN_STATES = tuple(state for state, _label in STATES if state not in FROZEN_STATES)

# The scope the forecast run reads, set while the forecast can still run on
# it (draft, demand review); the company only in draft, before any plan data.
SCOPE_STATES = {
    "date_month": ("draft", "demand_review"),
    "horizon_months": ("draft", "demand_review"),
    "history_months": ("draft", "demand_review"),
    "warehouse_ids": ("draft", "demand_review"),
    "product_category_ids": ("draft", "demand_review"),
    "product_domain": ("draft", "demand_review"),
    "company_id": ("draft",),
}

# Facts the workflow records with the move to a state (the step checks the
# state's group): who approved and when, why the plan was rejected.
WORKFLOW_FIELDS = {
    "approved_by_id": "approved",
    "date_approved": "approved",
    "rejection_reason": "reconciliation",
}


class SopCycle(models.Model):
    """One monthly S&OP cycle of a company, from draft to approved plan."""

    _name = "sop.cycle"
    _description = "S&OP Cycle"
    _inherit = ["mail.thread", "mail.activity.mixin", "sop.frozen.mixin"]
    _order = "date_month desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    date_month = fields.Date(
        string="Planning Month",
        required=True,
        default=lambda self: self._default_date_month(),
        tracking=True,
        help="First month of the plan; any day given is moved to the 1st.",
    )
    month_label = fields.Char(string="Month", compute="_compute_month_label")
    horizon_months = fields.Integer(
        string="Horizon (months)",
        required=True,
        default=lambda self: self.env.company.sop_horizon_months or 12,
        tracking=True,
    )
    history_months = fields.Integer(
        string="History Window (months)",
        required=True,
        default=lambda self: self.env.company.sop_history_months or 36,
        tracking=True,
    )
    service_level = fields.Float(
        string="Default Service Level (%)",
        required=True,
        default=lambda self: self.env.company.sop_service_level or 95.0,
        tracking=True,
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Warehouses",
        check_company=True,
        help="Warehouses planned in this cycle; empty means all warehouses "
        "of the company.",
    )
    product_category_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="Categories (with their sub-categories) in the product scope; "
        "empty means every category.",
    )
    product_domain = fields.Char(
        string="Product Filter",
        default="[]",
        help="Extra filter on products, combined with the categories.",
    )
    state = fields.Selection(
        STATES,
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand=True,
    )
    demand_user_id = fields.Many2one(
        "res.users",
        string="Demand Review Responsible",
        default=lambda self: self.env.user,
        tracking=True,
    )
    demand_date_deadline = fields.Date(string="Demand Review Due")
    supply_user_id = fields.Many2one(
        "res.users", string="Supply Review Responsible", tracking=True
    )
    supply_date_deadline = fields.Date(string="Supply Review Due")
    reconciliation_user_id = fields.Many2one(
        "res.users", string="Reconciliation Responsible", tracking=True
    )
    reconciliation_date_deadline = fields.Date(string="Reconciliation Due")
    executive_user_id = fields.Many2one(
        "res.users", string="Executive Approver", tracking=True
    )
    executive_date_deadline = fields.Date(string="Executive Review Due")
    approved_by_id = fields.Many2one(
        "res.users", readonly=True, copy=False, tracking=True
    )
    date_approved = fields.Datetime(string="Approved On", readonly=True, copy=False)
    rejection_reason = fields.Text(
        string="Last Rejection Reason", readonly=True, copy=False
    )
    is_frozen = fields.Boolean(
        string="Frozen",
        compute="_compute_is_frozen",
        store=True,
        help="Approved or closed: the plan and its data can no longer be changed.",
    )
    is_active_plan = fields.Boolean(
        string="Active Plan",
        compute="_compute_is_active_plan",
        help="The approved cycle is the active plan of its warehouses and products.",
    )
    note = fields.Html()

    _horizon_range = models.Constraint(
        "CHECK (horizon_months > 0 AND horizon_months <= 60)",
        "The horizon must be between 1 and 60 months.",
    )
    _history_range = models.Constraint(
        "CHECK (history_months >= 3 AND history_months <= 120)",
        "The history window must be between 3 and 120 months.",
    )
    _service_level_range = models.Constraint(
        "CHECK (service_level > 50 AND service_level < 100)",
        "The service level must be above 50 % and below 100 %.",
    )

    @api.model
    def _default_date_month(self):
        """Next month, or the month after the company's newest cycle when
        that is later (an approved plan prepared ahead: the month before it
        would be refused; an open cycle: its month is taken)."""
        next_month = first_of_this_month(self) + relativedelta(months=1)
        newest = self.search(
            [("company_id", "=", self.env.company.id)],
            order="date_month desc",
            limit=1,
        )
        if newest and newest.date_month >= next_month:
            return newest.date_month + relativedelta(months=1)
        return next_month

    @api.depends("date_month")
    def _compute_month_label(self):
        for cycle in self:
            cycle.month_label = (
                format_date(cycle.env, cycle.date_month, date_format="MMMM y")
                if cycle.date_month
                else False
            )

    @api.depends("state")
    def _compute_is_frozen(self):
        for cycle in self:
            cycle.is_frozen = cycle.state in FROZEN_STATES

    @api.depends("state")
    def _compute_is_active_plan(self):
        for cycle in self:
            cycle.is_active_plan = cycle.state == "approved"

    @api.constrains("product_domain")
    def _check_product_domain(self):
        for cycle in self:
            try:
                domain = safe_eval(cycle.product_domain or "[]")
                self.env["product.product"].search_count(Domain(domain), limit=1)
            except Exception as exc:
                raise ValidationError(
                    self.env._(
                        "The product filter of cycle %(cycle)s is not valid: %(error)s",
                        cycle=cycle.display_name,
                        error=exc,
                    )
                ) from exc

    @api.constrains(
        "company_id",
        "date_month",
        "warehouse_ids",
        "product_category_ids",
        "product_domain",
    )
    def _check_scope_planned_once(self):
        """Refuse a second open cycle of a company and month whose scope
        overlaps: it would plan the same product in the same warehouse twice.

        Scopes overlap when they share a warehouse, a product category (a
        category includes its sub-categories) and, when both have a product
        filter, a product that both filters select. An empty part of a scope
        means everything. Approved and closed cycles do not count: a plan
        approved for the month may be planned again.
        """
        self._check_product_domain()  # an invalid filter is reported as such
        for cycle in self.filtered(lambda c: c.state in OPEN_STATES):
            others = self.sudo().search(
                [
                    ("id", "!=", cycle.id),
                    ("company_id", "=", cycle.company_id.id),
                    ("date_month", "=", cycle.date_month),
                    ("state", "in", OPEN_STATES),
                ]
            )
            for other in others:
                overlap = cycle.sudo()._scope_overlap(other)
                if overlap:
                    raise ValidationError(cycle._scope_overlap_message(other, *overlap))

    @api.constrains("state")
    def _check_one_approved_plan_per_scope(self):
        """Refuse two approved plans of a company whose scopes overlap: a
        product of a warehouse follows one active plan (approving a plan
        closes the ones it overlaps, ``_approve_close_previous``)."""
        for cycle in self.filtered(lambda c: c.state == "approved"):
            overlapping = cycle.sudo()._approved_overlapping()
            if overlapping:
                raise ValidationError(
                    self.env._(
                        "Cycle %(other)s is already the approved plan of "
                        "%(company)s for part of this cycle's scope; close it "
                        "before approving %(cycle)s.",
                        other=overlapping[0].name,
                        company=cycle.company_id.name,
                        cycle=cycle.name,
                    )
                )

    def _other_approved_plans(self):
        """The other approved cycles of this cycle's company, approved last
        first."""
        self.ensure_one()
        return self.search(
            [
                ("id", "!=", self.id),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "approved"),
            ],
            order="date_approved desc, id desc",
        )

    def _approved_overlapping(self):
        """The other approved cycles of this cycle's company whose scope
        overlaps its own (see ``_check_scope_planned_once``)."""
        return self._other_approved_plans().filtered(
            lambda other: self._scope_overlap(other)
        )

    def _replaced_plans(self, plans):
        """The ``plans`` whose policies this plan takes over: itself, and
        those no longer approved whose scope overlaps its own (a plan it
        superseded). The policies of another approved plan, or of a closed
        plan of other warehouses or products, are not this plan's."""
        self.ensure_one()
        return plans.filtered(
            lambda plan: (
                plan == self or (plan.state != "approved" and self._scope_overlap(plan))
            )
        )

    def _approved_after(self, plans):
        """The ``plans`` still approved and approved after this one: a
        product moved into such a plan's scope after this plan's forecast is
        planned by both, and the plan approved last keeps its policy (its
        refresh and this one's would otherwise take it in turn every
        night)."""
        self.ensure_one()
        mine = (self.date_approved or datetime.min, self.id)
        return plans.filtered(
            lambda plan: (
                plan.state == "approved"
                and (plan.date_approved or datetime.min, plan.id) > mine
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_company_allowed(vals)
            if vals.get("state", "draft") != "draft":
                raise UserError(self.env._("A new S&OP cycle always starts in draft."))
            if vals.get("date_month"):
                vals["date_month"] = self._first_of_month(vals["date_month"])
            month = vals.get("date_month") or self._default_date_month()
            vals["name"] = self.env["ir.sequence"].with_context(
                ir_sequence_date=month
            ).next_by_code("sop.cycle") or self.env._("New")
        return super().create(vals_list)

    def write(self, vals):
        self._check_company_allowed(vals)
        if "date_month" in vals and vals["date_month"]:
            vals["date_month"] = self._first_of_month(vals["date_month"])
        self._check_scope_editable(vals)
        if "state" in vals:
            self._check_transition(vals["state"])
        names = {}
        if vals.get("date_month") and "name" not in vals:
            names = {cycle: cycle._name_for_month(vals["date_month"]) for cycle in self}
        # recorded only by the step itself (``_reject``, the approval), which
        # sets this context after its own group and state checks
        recording = self.env.context.get("sop_workflow_record")
        typed = [
            name
            for name, state in WORKFLOW_FIELDS.items()
            if name in vals and (vals.get("state") != state or not recording)
        ]
        check_recorded_not_typed(self, typed)
        result = super().write(vals)
        for cycle, name in names.items():
            if name != cycle.name:
                cycle.write({"name": name})
        return result

    def _check_company_allowed(self, vals):
        """A cycle is put only in a company the user works in (the record
        rules judge a record as it was before the write)."""
        company_id = vals.get("company_id")
        if company_id and not self.env.su and company_id not in self.env.companies.ids:
            raise AccessError(
                self.env._(
                    "A cycle can only be put in one of your companies: that "
                    "company is not one of them."
                )
            )

    def _check_scope_editable(self, vals):
        """Refuse a scope change once the plan was handed on from the step
        where the forecast runs on it; a frozen cycle is left to the freeze
        rule and its own message."""
        for name in SCOPE_STATES.keys() & set(vals):
            late = self.filtered(
                lambda cycle, name=name: (
                    cycle.state not in SCOPE_STATES[name] and not cycle.is_frozen
                )
            )[:1]
            if late:
                raise UserError(
                    self.env._(
                        "Cycle %(cycle)s is in %(state)s: %(field)s is part of "
                        "the scope the forecast was run on and can only be "
                        "changed in %(states)s.",
                        cycle=late.display_name,
                        state=self._state_label(late.state),
                        field=self._fields[name].get_description(self.env)["string"],
                        states=", ".join(
                            self._state_label(state) for state in SCOPE_STATES[name]
                        ),
                    )
                )

    def _frozen_cycles(self):
        return self

    def _frozen_exempt_fields(self):
        """A frozen cycle still moves on (closed) and keeps its chatter open."""
        mail_fields = set(self.env["mail.thread"]._fields) | set(
            self.env["mail.activity.mixin"]._fields
        )
        return super()._frozen_exempt_fields() | mail_fields | {"state"}

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        for cycle in self:
            if cycle.state != "draft":
                raise UserError(
                    self.env._(
                        "Cycle %(cycle)s is %(state)s: only draft cycles can be "
                        "deleted.",
                        cycle=cycle.display_name,
                        state=self._state_label(cycle.state),
                    )
                )

    # ------------------------------------------------------------------
    # Workflow buttons
    # ------------------------------------------------------------------
    def action_start_demand_review(self):
        """Open the demand review step (not for a plan that could not be
        approved: one of a month before the approved plan it overlaps)."""
        self._check_not_older_than_the_active_plan()
        return self._move_to("demand_review", "draft")

    def action_submit_supply_review(self):
        """Hand the agreed demand over to the supply review, then run it.

        Steps: the move (group, state, to-dos), then the supply review of each
        cycle that has a plan (``_run_supply_review``, sop_cycle_supply.py).
        """
        self._move_to("supply_review", "demand_review")
        PlanLine = self.env["sop.plan.line"]
        for cycle in self:
            # an existence check: reading a big plan's line ids takes long
            if PlanLine.search_count([("cycle_id", "=", cycle.id)], limit=1):
                cycle._run_supply_review()
        return True

    def action_submit_reconciliation(self):
        """Hand the supply plan over to reconciliation."""
        return self._move_to("reconciliation", "supply_review")

    def action_submit_executive_review(self):
        """Submit the reconciled plan to the executives."""
        return self._move_to("executive_review", "reconciliation")

    def action_reopen_demand_review(self):
        """Back to the demand review, to adjust the demand again (after a
        rejection, or what the supply review found); handing it on runs the
        supply review again."""
        for cycle in self:
            if cycle.state not in ("supply_review", "reconciliation"):
                raise UserError(
                    self.env._(
                        "Cycle %(cycle)s is in %(state)s: the demand review is "
                        "reopened from the supply review or the reconciliation.",
                        cycle=cycle.display_name,
                        state=self._state_label(cycle.state),
                    )
                )
            cycle._move_to("demand_review", cycle.state)
        return True

    def action_reject(self):
        """Open the wizard that asks the executive for the rejection reason."""
        self._check_group(GROUP_EXECUTIVE, self.env._("reject an S&OP cycle"))
        self._check_state("executive_review")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject S&OP Cycle"),
            "res_model": "sop.cycle.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_cycle_ids": self.ids},
        }

    def action_close(self):
        """Close an approved plan by hand (kept read-only). Its policies are
        archived: nothing refreshes them once it is closed; their reordering
        rules keep their last minimum and maximum."""
        self._move_to("closed", "approved")
        for cycle in self:
            archived = self.env["sop.inventory.policy"]._archive_closed_plan(cycle)
            if archived:
                cycle.message_post(
                    body=self.env._(
                        "Plan closed by %(user)s: %(count)s inventory policies "
                        "archived; their reordering rules keep their last "
                        "minimum and maximum.",
                        user=self.env.user.name,
                        count=len(archived),
                    )
                )
        return True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _reject(self, reason):
        """Send executive-review cycles back to reconciliation with a reason."""
        self._check_group(GROUP_EXECUTIVE, self.env._("reject an S&OP cycle"))
        self._check_state("executive_review")
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give a reason to reject the plan."))
        # the scenario chosen for this approval is released with it: the
        # planners rework it
        self.with_context(sop_workflow_record=True).write(
            {
                "state": "reconciliation",
                "rejection_reason": reason,
                "approved_scenario_id": False,
            }
        )
        for cycle in self:
            cycle.message_post(
                body=self.env._(
                    "Plan rejected by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        self._close_step_activities()
        self._schedule_step_activity()
        return True

    def _get_scope_products(self):
        """Return the storable products this cycle plans."""
        self.ensure_one()
        return self.env["product.product"].search(self._scope_product_domain())

    def _scope_product_domain(self):
        self.ensure_one()
        domain = Domain(safe_eval(self.product_domain or "[]")) & Domain(
            [
                ("is_storable", "=", True),
                ("company_id", "in", [False, self.company_id.id]),
            ]
        )
        if self.product_category_ids:
            domain &= Domain("categ_id", "child_of", self.product_category_ids.ids)
        return domain

    def _scope_overlap(self, other):
        """(warehouses, categories) both ``self`` and ``other`` plan, or None
        when their scopes are disjoint (see ``_check_scope_planned_once``)."""
        self.ensure_one()
        warehouses = self._get_scope_warehouses() & other._get_scope_warehouses()
        if not warehouses:
            return None
        Category = self.env["product.category"]
        mine, theirs = self.product_category_ids, other.product_category_ids
        categories = Category
        if mine or theirs:
            # the chosen categories that lie in the other's scope
            categories = Category.search(
                [("id", "in", (mine | theirs).ids)]
                + [
                    ("id", "child_of", chosen.ids)
                    for chosen in (mine, theirs)
                    if chosen
                ]
            )
            if not categories:
                return None
        filtered = all(
            safe_eval(cycle.product_domain or "[]") for cycle in (self, other)
        )
        if filtered and not self.env["product.product"].search_count(
            self._scope_product_domain() & other._scope_product_domain(), limit=1
        ):
            return None
        return warehouses, categories

    def _scope_overlap_message(self, other, warehouses, categories):
        return self.env._(
            "Cycle %(other)s (%(state)s) already plans %(month)s for %(company)s "
            "with a scope that overlaps this one's: warehouses %(warehouses)s, "
            "%(categories)s. Two open cycles of the same month must plan "
            "different warehouses, product categories that do not contain one "
            "another, or product filters without a product in common (an empty "
            "warehouse, category or filter field means all of them). Change the "
            "scope of one of them, or finish the other cycle first.",
            other=other.name,
            state=self._state_label(other.state),
            month=self.month_label,
            company=self.company_id.name,
            warehouses=", ".join(warehouses.mapped("name")),
            categories=(
                self.env._(
                    "product categories %s",
                    ", ".join(categories.mapped("display_name")),
                )
                if categories
                else self.env._("all product categories")
            ),
        )

    def _get_scope_warehouses(self):
        """Return the warehouses this cycle plans."""
        self.ensure_one()
        return self.warehouse_ids or self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)]
        )

    def _move_to(self, new_state, from_state):
        self._check_group(
            TRANSITIONS[from_state, new_state], self._step_label(new_state)
        )
        self._check_state(from_state)
        self.write({"state": new_state})
        self._close_step_activities()
        self._schedule_step_activity()
        return True

    def _state_label(self, state):
        """``state``'s label in the reader's language."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        return labels.get(state, state)

    def _step_label(self, new_state):
        return self.env._("move an S&OP cycle to %s", self._state_label(new_state))

    def _check_group(self, group_xmlid, what):
        if self.env.su or self.env.user.has_group(group_xmlid):
            return
        group = self.env.ref(group_xmlid)
        raise AccessError(
            self.env._(
                "Only members of the group %(group)s may %(what)s.",
                group=group.full_name,
                what=what,
            )
        )

    def _check_state(self, expected):
        wrong = self.filtered(lambda c: c.state != expected)
        if wrong:
            raise UserError(
                self.env._(
                    "Cycle %(cycle)s is in %(state)s; this step needs %(expected)s.",
                    cycle=wrong[0].display_name,
                    state=self._state_label(wrong[0].state),
                    expected=self._state_label(expected),
                )
            )

    def _check_transition(self, new_state):
        for cycle in self:
            group = TRANSITIONS.get((cycle.state, new_state))
            if not group:
                raise UserError(
                    self.env._(
                        "Cycle %(cycle)s cannot go from %(old)s to %(new)s.",
                        cycle=cycle.display_name,
                        old=self._state_label(cycle.state),
                        new=self._state_label(new_state),
                    )
                )
            cycle._check_group(group, cycle._step_label(new_state))

    def _check_not_frozen(self, what=None):
        """Refuse on frozen cycles; ``what`` names what was refused."""
        frozen = self.filtered("is_frozen")[:1]
        if not frozen:
            return
        names = {"cycle": frozen.display_name, "state": self._state_label(frozen.state)}
        if what:
            raise UserError(
                self.env._(
                    "Cycle %(cycle)s is %(state)s: an approved plan is frozen, "
                    "you cannot %(what)s. Open a new cycle instead.",
                    what=what,
                    **names,
                )
            )
        raise UserError(
            self.env._(
                "Cycle %(cycle)s is %(state)s: an approved plan is frozen and "
                "cannot be changed. Open a new cycle instead.",
                **names,
            )
        )

    def _on_plan_changed(self):
        """Hook: the plan of these cycles changed (forecast run, adjustment).

        Files whose results depend on the plan extend it with ``super()``
        (sop_cycle_scenario.py outdates the scenario scores).
        """
        return True

    def _schedule_step_activity(self):
        """Give the responsible of the step each cycle is now in a to-do."""
        for cycle in self.filtered(lambda c: c.state in STEP_FIELDS):
            user_field, deadline_field = STEP_FIELDS[cycle.state]
            user = cycle._step_responsible(cycle[user_field])
            # in the words of the user the to-do is for
            reader = cycle.with_context(lang=user.lang or cycle.env.lang)
            cycle.activity_schedule(
                "sop_planning.mail_activity_type_sop_step",
                date_deadline=cycle[deadline_field] or fields.Date.context_today(cycle),
                summary=reader.env._(
                    "%(step)s of %(cycle)s",
                    step=reader._state_label(cycle.state),
                    cycle=cycle.name,
                ),
                user_id=user.id,
            )

    def _step_responsible(self, assigned):
        """Who gets the to-do of the cycle's step: its responsible while
        active; else the first user of the company who may hand the step on
        (an executive for the executive review), those whose main company it
        is first and S&OP or system administrators last (an administrator
        allowed in every company is not its executive), else the current
        user."""
        self.ensure_one()
        if assigned.active:
            return assigned
        group = GROUP_EXECUTIVE if self.state == "executive_review" else GROUP_PLANNER
        able = (
            self.env.ref(group)
            .sudo()
            .all_user_ids.filtered(
                lambda u: u.active and not u.share and self.company_id in u.company_ids
            )
            .sorted(
                lambda u: (
                    u.company_id != self.company_id,
                    # an administrator may do every step, but is not the one
                    u.has_group(GROUP_MANAGER) or u.has_group("base.group_system"),
                    u.id,
                )
            )
        )
        if self.env.user in able:
            return self.env.user
        return able[:1] or self.env.user

    def _notes_lang(self):
        """The language of the notes a scheduled run posts on this plan:
        its approver's, else its company's (not OdooBot's)."""
        self.ensure_one()
        return (
            self.approved_by_id.lang or self.company_id.partner_id.lang or self.env.lang
        )

    def _close_step_activities(self):
        self.activity_feedback(
            ["sop_planning.mail_activity_type_sop_step"],
            feedback=self.env._("Step handed over."),
        )

    def _name_for_month(self, month):
        """Its name for a new planning month: S&OP/2027-01/004 moved to
        February is S&OP/2027-02/004 (a name without its month is kept)."""
        head, found, tail = self.name.rpartition(f"{self.date_month:%Y-%m}")
        return head + f"{month:%Y-%m}" + tail if found else self.name

    @api.model
    def _first_of_month(self, value):
        return fields.Date.to_date(value).replace(day=1)
