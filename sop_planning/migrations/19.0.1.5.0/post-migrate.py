"""After the update: exported workbooks readable by S&OP users only.

Until 19.0.1.4.0 *Export Workbook* attached the file to the cycle itself,
so whoever could read the cycle (a purchase user) could download its plan
and money. The export now keeps it as the cycle's ``workbook_file``, a
field of S&OP users. The files exported before (named after their cycle,
not posted in the chatter) are deleted; a planner exports again.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    cr.execute(
        """SELECT a.id
             FROM ir_attachment a
             JOIN sop_cycle c ON c.id = a.res_id
            WHERE a.res_model = 'sop.cycle'
              AND a.res_field IS NULL
              AND a.name = replace(c.name, '/', '-') || '.xlsx'
              AND NOT EXISTS (SELECT 1 FROM message_attachment_rel r
                               WHERE r.attachment_id = a.id)"""
    )
    ids = [row[0] for row in cr.fetchall()]
    api.Environment(cr, SUPERUSER_ID, {})["ir.attachment"].browse(ids).unlink()
