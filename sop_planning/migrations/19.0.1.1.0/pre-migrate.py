"""Before the update loads the views and builds the new indexes.

- Empty the stored extension views of this add-on that still name a field
  removed since 19.0.1.0.0: Odoo validates a view with its stored
  extensions before it reloads them, so such an extension would stop the
  update; the update then writes the extension's new content.
- Stop the step runs still running: their queued jobs carry payloads in the
  former format, and two running runs of one cycle or step would keep the
  new unique indexes from being built. The user starts the step again.
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
    cr.execute("SELECT to_regclass('sop_step_run') IS NOT NULL")
    if cr.fetchone()[0]:
        cr.execute(
            """UPDATE sop_step_run
                  SET state = 'failed', date_end = now() at time zone 'UTC',
                      error = 'stopped by the update of the S&OP add-on: '
                              'start the step again'
                WHERE state = 'running'"""
        )
