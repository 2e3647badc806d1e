"""After the update: stored percentages without float noise.

Until 19.0.1.2.0 a policy's promised and replayed fill (and the cycle's
per-class backtest) were stored as computed, e.g. 100.00000000000003; they
are now stored within [0, 100] and rounded to ``PERCENT_DIGITS`` decimals
(``sop_common.stored_percent``). The rows stored before are rounded alike,
so that a frozen cycle reads as a new one.
"""

from odoo.tools import SQL

from odoo.addons.sop_planning.models.sop_common import PERCENT_DIGITS

PERCENT_COLUMNS = {
    "sop_inventory_policy": (
        "service_level",
        "expected_fill_rate",
        "backtest_fill_rate",
    ),
    "sop_cycle_policy_backtest": (
        "target",
        "promised_fill_rate",
        "plan_fill_rate",
        "rule_fill_rate",
        "plan_fill_rate_ruled",
    ),
}


def migrate(cr, version):
    for table, columns in PERCENT_COLUMNS.items():
        cr.execute(
            SQL(
                "UPDATE %s SET %s",
                SQL.identifier(table),
                SQL(", ").join(
                    SQL(
                        "%(column)s = CASE WHEN %(column)s IS NULL THEN NULL ELSE "
                        "ROUND(LEAST(GREATEST(%(column)s, 0), 100)::numeric, "
                        "%(digits)s) END",
                        column=SQL.identifier(column),
                        digits=PERCENT_DIGITS,
                    )
                    for column in columns
                ),
            )
        )
