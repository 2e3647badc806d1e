"""Before the update: one approved plan per scope, not per company.

Until 19.0.1.3.0 a partial unique index allowed a company one approved
cycle; disjoint scopes (a warehouse or a product family each in its own
cycle) may now each have theirs (``sop.cycle._check_one_approved_plan_per_scope``).
Odoo drops an index a module no longer declares only at the end of the
update, after the new code ran; it is dropped here first, with its record.
"""

from odoo.tools import SQL

INDEX = "sop_cycle_one_active_plan_per_company"


def migrate(cr, version):
    cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(INDEX)))
    cr.execute("DELETE FROM ir_model_constraint WHERE name = %s", (INDEX,))
