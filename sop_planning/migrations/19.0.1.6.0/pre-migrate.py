"""Before the update: scenario names made unique within their cycle.

19.0.1.6.0 gives each scenario of a cycle a name of its own (two of one
name were added up in the dashboard). Scenarios that share a name get
their rank appended ("Promotion (2)") so that the unique index is created.
"""


def migrate(cr, version):
    cr.execute(
        """UPDATE sop_scenario scenario
              SET name = scenario.name || ' (' || ranked.rank || ')'
             FROM (SELECT id, row_number() OVER (
                              PARTITION BY cycle_id, name ORDER BY id) AS rank
                     FROM sop_scenario) ranked
            WHERE ranked.id = scenario.id AND ranked.rank > 1"""
    )
