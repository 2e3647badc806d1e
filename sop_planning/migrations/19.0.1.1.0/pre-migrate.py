"""Before the update loads the views: empty the stored extension views of
this add-on that still name a field removed since 19.0.1.0.0.

Odoo validates a view with its stored extensions before it reloads them, so
an extension naming a removed field would stop the update; the update then
writes the extension's new content.
"""

REMOVED_FIELDS = ("scenario_scoring_queued",)


def migrate(cr, version):
    for field in REMOVED_FIELDS:
        cr.execute(
            """UPDATE ir_ui_view v
                  SET arch_db = jsonb_build_object('en_US', '<data/>')
                 FROM ir_model_data d
                WHERE d.model = 'ir.ui.view' AND d.res_id = v.id
                  AND d.module = 'sop_planning' AND v.inherit_id IS NOT NULL
                  AND v.arch_db::text LIKE %s""",
            [f"%{field}%"],
        )
