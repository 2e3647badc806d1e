"""After the update: the KPI snapshots' fill rate counted again.

Until 19.0.1.1.0 the fill rate was the share of each order's first delivery
shipped, so a delivery that waited for stock read as filled. It is now the
quantity delivered by its promised day over the quantity due in the month:
every stored snapshot is counted again from its deliveries (one query per
company and month), so a year of dashboard history keeps one definition.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    snapshots = env["sop.kpi.snapshot"].with_context(active_test=False).search([])
    snapshots._recompute_fill_rate()
