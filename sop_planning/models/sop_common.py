"""Helpers shared by the S&OP models: groups, months, actions, units."""

import math

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, float_is_zero, formatLang

# security groups the models check on the server
GROUP_USER = "sop_planning.group_sop_user"
GROUP_PLANNER = "sop_planning.group_sop_planner"
GROUP_EXECUTIVE = "sop_planning.group_sop_executive"
GROUP_MANAGER = "sop_planning.group_sop_manager"
GROUP_PURCHASE = "purchase.group_purchase_user"

# the safety stock of a policy and of the proposal that quotes it
SAFETY_STOCK_HELP = (
    "Reorder point minus the forecast over the lead time. Negative when the "
    "policy holds less than the lead time's expected demand: a target under "
    "50 %, or a slow, costly item its demand pattern's shared fill-rate "
    "target serves less than the others."
)

# The largest demand adjustment a plan line takes, either way: a quantity in
# the product's unit, a percentage of its statistical forecast (-100 % at
# least: no negative demand). A billion units a month of one product in one
# warehouse is beyond any real plan, and stays exact to its unit's decimals
# in a float, summed over a plan too; 10,000 % is a hundred times the
# forecast (a launch or a one-off order on a small forecast), beyond which
# a quantity says better what is meant.
MAX_ADJUSTMENT_QTY = 1e9
MAX_ADJUSTMENT_PERCENT = 10000.0

# decimals a stored percentage keeps: float sums leave 100.00000000000003
# where a share is whole, and an RPC client reads the stored number as it
# is; four keep a share's sixth decimal (the workbook writes shares)
PERCENT_DIGITS = 4

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


def check_recorded_not_typed(records, names):
    """Refuse a user typing ``names``: fields the workflow records itself
    (who approved or adjusted, when, why rejected)."""
    if names and not records.env.su:
        raise UserError(
            records.env._(
                "%(fields)s: the step itself records who did what and when; these "
                "fields are not set by hand.",
                fields=", ".join(
                    records._fields[name].get_description(records.env)["string"]
                    for name in names
                ),
            )
        )


def set_worded(records, display, stored, words, text):
    """Set ``display`` of ``records`` in the reader's language: ``text(record,
    words)`` from their technical ``words`` field, their ``stored`` text where
    they have none (written before their words were stored)."""
    for record in records:
        value = record.sudo()[words]
        record[display] = text(record, value) if value else record[stored]


def stored_percent(share):
    """``share`` (0 to 1) in percent as the S&OP models store it: within
    [0, 100], rounded to ``PERCENT_DIGITS`` decimals."""
    return round(min(max(100.0 * float(share), 0.0), 100.0), PERCENT_DIGITS)


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


def finite_up_to(value, maximum):
    """Whether ``value`` typed over RPC is a finite number of at most
    ``maximum`` (not text, not NaN or infinity)."""
    return isinstance(value, (int, float)) and math.isfinite(value) and value <= maximum


def typed_number(env, value):
    """A number a user typed, for a message in their language ("20.000",
    "1,5"); text, NaN or infinity as it came."""
    if not (isinstance(value, (int, float)) and math.isfinite(value)):
        return str(value)
    return formatLang(env, value, digits=0 if float(value).is_integer() else 2)


def adjustment_out_of_bounds(adjustment_qty, percent):
    """Whether an adjustment quantity or percentage is no sane number: not
    finite, more than ``MAX_ADJUSTMENT_QTY`` units either way, or above
    ``MAX_ADJUSTMENT_PERCENT`` (below -100 % is ``adjustment_problem``'s)."""
    qty, percent = float(adjustment_qty or 0.0), float(percent or 0.0)
    return (
        not (math.isfinite(qty) and math.isfinite(percent))
        or abs(qty) > MAX_ADJUSTMENT_QTY
        or percent > MAX_ADJUSTMENT_PERCENT
    )


def adjustment_problem(forecast_qty, mode, adjustment_qty, percent, reason, rounding):
    """Why a plan line adjustment is refused: ``"out_of_bounds"``,
    ``"below_minus_100"``, ``"no_reason"``, or None when it may be saved.

    An adjustment is a finite number within ``MAX_ADJUSTMENT_QTY`` units and,
    in percent, at most ``MAX_ADJUSTMENT_PERCENT``; none may cut the
    statistical forecast by more than 100 %, and a non-zero one needs a
    reason (``rounding``: the product unit's). Shared by the plan line's
    constraint and the workbook import, so both refuse the same rows.
    """
    if adjustment_out_of_bounds(adjustment_qty, percent if mode == "percent" else 0.0):
        return "out_of_bounds"
    if mode == "percent":
        too_low = (percent or 0.0) < -100.0
    else:
        too_low = (
            float_compare(
                adjustment_qty or 0.0,
                -(forecast_qty or 0.0),
                precision_rounding=rounding,
            )
            < 0
        )
    if too_low:
        return "below_minus_100"
    adjusted = not float_is_zero(adjustment_qty or 0.0, precision_rounding=rounding)
    if (adjusted or (mode == "percent" and percent)) and not reason:
        return "no_reason"
    return None
