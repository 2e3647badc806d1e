from odoo import api, fields, models
from odoo.tools import SQL, formatLang

from .sop_bulk import bulk_create
from .sop_common import set_worded

# A change of reorder point or maximum is material, and kept in the policy's
# history, above this share of the old value and this many units.
MATERIAL_SHARE = 0.10
MATERIAL_UNITS = 1.0
HISTORY_LENGTH = 20  # changes kept per policy
# Figures that explain a move of the reorder point or maximum.
DRIVERS = ("lead_time_days", "lead_time_demand", "safety_stock", "order_qty")
KINDS = [
    ("created", "New Policy"),
    ("plan", "Plan Approved"),
    ("refresh", "Nightly Refresh"),
    ("archived", "Left the Plan"),
]


class SopInventoryPolicyChange(models.Model):
    """One material change of an inventory policy: its reorder point and maximum
    before and after, when, under which plan and why.

    Written by the approval and the nightly refresh (``sop.inventory.policy.
    _sync_policies``); the last ``HISTORY_LENGTH`` changes of a policy are kept.
    """

    _name = "sop.inventory.policy.change"
    _description = "S&OP Inventory Policy Change"
    _order = "date desc, id desc"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "sop.inventory.policy",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(related="policy_id.product_id")
    warehouse_id = fields.Many2one(related="policy_id.warehouse_id")
    cycle_id = fields.Many2one(
        "sop.cycle", string="Plan", ondelete="set null", check_company=True
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    kind = fields.Selection(KINDS, string="Change", required=True, readonly=True)
    old_reorder_point = fields.Float(digits="Product Unit", readonly=True)
    new_reorder_point = fields.Float(digits="Product Unit", readonly=True)
    old_max_qty = fields.Float(
        string="Old Maximum", digits="Product Unit", readonly=True
    )
    new_max_qty = fields.Float(
        string="New Maximum", digits="Product Unit", readonly=True
    )
    reason = fields.Char(string="Why as Written", readonly=True)
    reason_words = fields.Json(
        readonly=True,
        groups="base.group_no_one",
        help="Why, as (code, values), to word it in each reader's language.",
    )
    reason_display = fields.Char(
        string="Why",
        compute="_compute_reason_display",
        help="Why the policy changed, in the reader's language.",
    )

    @api.depends("reason", "reason_words")
    @api.depends_context("lang")
    def _compute_reason_display(self):
        """Why in the reader's words; as written for rows without words."""
        set_worded(
            self,
            "reason_display",
            "reason",
            "reason_words",
            lambda _change, words: self._reason_text(words),
        )

    @api.model
    def _reason_text(self, words):
        """A history reason in ``self.env``'s language from its ``words``:
        ``code`` (created, plan, refresh, left, closed), ``plan`` (its
        name), ``moved`` ([driver, old, new] of a refresh) and ``skip`` (the
        policy's skip words, when it is skipped; ``skip_text`` without
        them)."""
        plan = words["plan"]
        code = words["code"]
        if code == "created":
            text = self.env._("New policy from plan %s.", plan)
        elif code == "plan":
            text = self.env._("Plan %s approved.", plan)
        elif code == "left":
            text = self.env._(
                "Not in plan %s: archived; its reordering rule is kept.", plan
            )
        elif code == "closed":
            text = self.env._(
                "Plan %s closed: archived; its reordering rule is kept.", plan
            )
        else:
            labels = {
                "lead_time_days": self.env._("lead time (days)"),
                "lead_time_demand": self.env._("demand over the lead time"),
                "safety_stock": self.env._("safety stock"),
                "order_qty": self.env._("order quantity"),
            }
            moved = [
                f"{labels[name]} {formatLang(self.env, old, digits=2)} -> "
                f"{formatLang(self.env, new, digits=2)}"
                for name, old, new in words.get("moved") or []
            ]
            text = self.env._(
                "Nightly refresh of plan %(plan)s: %(moved)s.",
                plan=plan,
                moved=", ".join(moved) or self.env._("recomputed"),
            )
        if words.get("skip"):
            text += " " + self.env["sop.inventory.policy"]._skip_text(words["skip"])
        elif words.get("skip_text"):  # skipped without words: as written
            text += " " + words["skip_text"]
        return text

    @api.model
    def _worded(self, words):
        """``reason`` (in the writer's language, for rows read without
        words) and ``reason_words`` of a history row."""
        return {"reason": self._reason_text(words), "reason_words": words}

    @api.model
    def _prepare_changes(self, cycle, policies, rows):
        """History rows of policies (None: new) taking ``rows`` under ``cycle``.

        A new policy is always kept; a new plan when the policy comes back
        (archived), is skipped or planned again, or moved materially; a
        nightly refresh only when the reorder point or the maximum moved
        materially since the last change kept (small daily moves add up
        until they are material): a monthly plan that leaves a policy as it
        was does not push its real changes out of the history.
        """
        logged = self._logged_levels([p.id for p in policies if p])
        now = fields.Datetime.now()
        # the same words for every policy: worded once, not 100,000 times
        created = self._worded({"code": "created", "plan": cycle.name})
        approved = self._worded({"code": "plan", "plan": cycle.name})
        changes = []
        for row_index, (policy, vals) in enumerate(zip(policies, rows, strict=True)):
            new = self._levels(vals)
            change = {
                "policy_id": policy.id if policy else False,
                "company_id": cycle.company_id.id,
                "cycle_id": cycle.id,
                "date": now,
                "new_reorder_point": new[0],
                "new_max_qty": new[1],
            }
            if not policy:
                old = (0.0, 0.0)
                change.update(created, row=row_index, kind="created")
            elif policy.cycle_id != cycle or not policy.active:
                # material since the last change kept, as a refresh: small
                # monthly moves add up until a plan's row says so
                old = logged.get(policy.id) or self._levels(policy)
                unchanged = (
                    policy.active
                    and (policy.state == "skipped") == (vals["state"] == "skipped")
                    and not self._is_material(old, new)
                )
                if unchanged:
                    continue
                change.update(approved, kind="plan")
            else:
                old = logged.get(policy.id) or self._levels(policy)
                if not self._is_material(old, new):
                    continue
                change.update(
                    self._worded(self._refresh_words(cycle, policy, vals)),
                    kind="refresh",
                )
            change.update(old_reorder_point=old[0], old_max_qty=old[1])
            if vals["state"] == "skipped":
                # the skip reason is already worded: added, not worded again
                skip_text = vals.get("skip_reason") or ""
                change["reason"] += " " + skip_text
                change["reason_words"] = dict(
                    change["reason_words"],
                    skip=vals.get("skip_words"),
                    skip_text=skip_text,
                )
            changes.append(change)
        return changes

    @api.model
    def _prepare_left_plan(self, cycle, policies, code="left"):
        """History rows of ``policies`` leaving ``cycle``'s scope (``code``
        "left"), or archived with it (``code`` "closed": the plan was closed
        by hand)."""
        now = fields.Datetime.now()
        worded = self._worded({"code": code, "plan": cycle.name})
        return [
            {
                "policy_id": policy.id,
                "company_id": policy.company_id.id,
                "cycle_id": cycle.id,
                "date": now,
                "kind": "archived",
                "old_reorder_point": levels[0],
                "old_max_qty": levels[1],
                "new_reorder_point": levels[0],
                "new_max_qty": levels[1],
                **worded,
            }
            for policy in policies
            for levels in [self._levels(policy)]
        ]

    @api.model
    def _levels(self, values):
        """(reorder point, maximum) of a policy or of its new values."""
        if values["state"] == "skipped":
            return 0.0, 0.0
        reorder_point = float(values["reorder_point"] or 0.0)
        return reorder_point, max(float(values["order_up_to"] or 0.0), reorder_point)

    @api.model
    def _is_material(self, old, new):
        """True if reorder point or maximum moved by more than the threshold."""
        return any(
            abs(after - before) > max(MATERIAL_SHARE * abs(before), MATERIAL_UNITS)
            for before, after in zip(old, new, strict=True)
        )

    @api.model
    def _refresh_words(self, cycle, policy, vals):
        """Why a nightly refresh moved ``policy``: the figures that moved."""
        return {
            "code": "refresh",
            "plan": cycle.name,
            "moved": [
                [name, policy[name], float(vals.get(name) or 0.0)]
                for name in DRIVERS
                if round(policy[name], 2) != round(float(vals.get(name) or 0.0), 2)
            ],
        }

    @api.model
    def _logged_levels(self, policy_ids):
        """{policy id: (reorder point, maximum)} of each policy's last change."""
        if not policy_ids:
            return {}
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT ON (policy_id)
                          policy_id, new_reorder_point, new_max_qty
                     FROM sop_inventory_policy_change
                    WHERE policy_id = ANY(%s)
                 ORDER BY policy_id, id DESC""",
                policy_ids,
            )
        )
        return {
            policy_id: (rop or 0.0, max_qty or 0.0) for policy_id, rop, max_qty in rows
        }

    @api.model
    def _log(self, changes):
        """Insert history rows; keep the last ``HISTORY_LENGTH`` of each policy."""
        if not changes:
            return
        bulk_create(self.sudo(), changes)
        # first the few policies over the limit: the statistics of a table
        # just filled in this transaction can make one big DELETE quadratic
        long = self.env.execute_query(
            SQL(
                """SELECT policy_id FROM sop_inventory_policy_change
                    WHERE policy_id = ANY(%s)
                 GROUP BY policy_id HAVING count(*) > %s""",
                list({change["policy_id"] for change in changes}),
                HISTORY_LENGTH,
            )
        )
        if long:
            self.env.cr.execute(
                SQL(
                    """DELETE FROM sop_inventory_policy_change
                        WHERE id IN (
                            SELECT id FROM (
                                SELECT id, row_number() OVER (
                                    PARTITION BY policy_id ORDER BY id DESC) AS n
                                  FROM sop_inventory_policy_change
                                 WHERE policy_id = ANY(%s)) ranked
                             WHERE n > %s)""",
                    [policy_id for (policy_id,) in long],
                    HISTORY_LENGTH,
                )
            )
        self.invalidate_model()
        self.env["sop.inventory.policy"].invalidate_model(["change_ids"])
