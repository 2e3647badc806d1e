"""After the update: the ledger's latest plan of each month flagged.

``sop.accuracy.line.is_latest`` is new in 19.0.1.6.0; the nightly actuals
update sets it. Set here at once, so that the ledger's default filter (the
latest plan of each month) shows the months measured before the update.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    ledger = env["sop.accuracy.line"]
    for company in env["res.company"].search([]):
        ledger._flag_latest(company)
