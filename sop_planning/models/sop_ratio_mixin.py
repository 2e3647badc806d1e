"""Ratio measures that stay right when a pivot or graph groups rows."""

from odoo import models
from odoo.tools import SQL


class SopRatioMixin(models.AbstractModel):
    """Grouped ratios for ``read_group``.

    A ratio field (WAPE, bias, OTIF...) is stored per row for lists, but the
    sum or average of row ratios is not the ratio of a group. Models list
    their ratios in ``_RATIOS`` (field name -> numerator field, denominator
    field, factor) and ``read_group`` computes
    ``factor * SUM(numerator) / SUM(denominator)`` for each group instead.
    """

    _name = "sop.ratio.mixin"
    _description = "S&OP Grouped Ratio Measures"
    _RATIOS = {}

    def _read_group_select(self, aggregate_spec, query):
        fname = aggregate_spec.split(":")[0]
        if fname not in self._RATIOS or aggregate_spec.endswith(":count"):
            return super()._read_group_select(aggregate_spec, query)
        numerator, denominator, factor = self._RATIOS[fname]
        return SQL(
            "%s * SUM(%s) / NULLIF(SUM(%s), 0)",
            factor,
            self._field_to_sql(self._table, numerator, query),
            self._field_to_sql(self._table, denominator, query),
        )
