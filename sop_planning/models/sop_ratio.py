"""Ratio measures that stay right when a pivot or graph groups rows.

A ratio field (WAPE, bias, OTIF...) is stored per row for lists, but the sum
or average of row ratios is not the ratio of a group. ``ratio_select`` makes
``read_group`` compute ``factor * SUM(numerator) / SUM(denominator)`` for the
group instead; models call it from ``_read_group_select``.
"""

from odoo.tools import SQL


def ratio_select(model, aggregate_spec, query, ratios):
    """SQL of a grouped ratio, or None when ``aggregate_spec`` is no ratio.

    ``ratios`` maps a field name to (numerator, denominator, factor).
    """
    fname = aggregate_spec.split(":")[0]
    if fname not in ratios or aggregate_spec.endswith(":count"):
        return None
    numerator, denominator, factor = ratios[fname]
    return SQL(
        "%s * SUM(%s) / NULLIF(SUM(%s), 0)",
        factor,
        model._field_to_sql(model._table, numerator, query),
        model._field_to_sql(model._table, denominator, query),
    )
