"""Helpers shared by the S&OP models: groups, months, actions, units."""

from odoo import fields
from odoo.tools import SQL

# security groups the models check on the server
GROUP_USER = "sop_planning.group_sop_user"
GROUP_PLANNER = "sop_planning.group_sop_planner"
GROUP_EXECUTIVE = "sop_planning.group_sop_executive"
GROUP_PURCHASE = "purchase.group_purchase_user"

# a stock move's quantity in its product's unit, with the joins it needs
# (move ``m``; ``pp``/``pt`` its product, ``lu`` the move's unit, ``pu`` the
# product's unit)
MOVE_QTY = SQL("m.quantity * lu.factor / pu.factor")
MOVE_UOM_JOIN = SQL(
    """JOIN product_product pp ON pp.id = m.product_id
       JOIN product_template pt ON pt.id = pp.product_tmpl_id
       JOIN uom_uom lu ON lu.id = m.product_uom
       JOIN uom_uom pu ON pu.id = pt.uom_id"""
)


def first_of_this_month(record):
    """First day of the current month, in the user's time zone."""
    return fields.Date.context_today(record).replace(day=1)


def filtered_action(env, xmlid, domain, context=None):
    """The window action ``xmlid`` restricted to ``domain``.

    ``context`` replaces the action's own context when given.
    """
    action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    action["domain"] = domain
    if context is not None:
        action["context"] = context
    return action


def adjustment_problem(env, forecast_qty, mode, adjustment_qty, percent, reason):
    """Why a plan line adjustment is refused, or None when it may be saved.

    A non-zero adjustment needs a reason, and no adjustment may cut the
    statistical forecast by more than 100 %. Shared by the plan line's
    checks and the workbook import, so both refuse the same rows.
    """
    if mode == "percent":
        changed, below = bool(percent), (percent or 0.0) < -100.0
    else:
        qty = adjustment_qty or 0.0
        changed = abs(qty) > 1e-9
        below = qty < -max(forecast_qty or 0.0, 0.0) - 1e-6
    if below:
        return env._("An adjustment cannot go below -100 % of the forecast.")
    if changed and not reason:
        return env._("An adjustment needs a reason.")
    return None
