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
