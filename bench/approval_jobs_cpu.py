"""Click Approve on a served copy; CPU time of the whole approval, per job.

Measures what a loaded machine does not distort: the CPU time (user +
system) of the Odoo server's processes and of the PostgreSQL backends of
the database, from the click until the run ends, and queue_job's
``exec_time`` of the prepare, chunk and finalize jobs (wall time, which
load does distort). The database must be a COPY of one built by
``bench_odoo_replenish.py`` (with an executive admin), e.g.::

    createdb -T sop_jobs_bench_100k_replenish mycopy
    python3 bench/approval_jobs_cpu.py --db mycopy --runners 2

The copy keeps the approved plan (drop it after). Prints, never asserts.
"""

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_jobs_bench import click_to_done, load  # noqa: E402


def psql(db, query):
    out = subprocess.run(
        ["psql", "-d", db, "-Atc", query], capture_output=True, text=True, check=True
    )
    return [line.split("|") for line in out.stdout.splitlines() if line]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--runners", type=int, default=2)
    parser.add_argument("--port", type=int, default=18269)
    args = parser.parse_args()
    (cycle_id,) = psql(
        args.db, "SELECT max(id) FROM sop_cycle WHERE state = 'executive_review'"
    )[0]
    before = load()
    result = click_to_done(
        args.db,
        int(cycle_id),
        "action_approve",
        args.port,
        args.runners + 1,
        args.runners,
    )
    print(
        f"approval, {args.runners} runner(s): click-to-done "
        f"{result['click_to_done']:.1f} s, {result['state']}; load {before} -> "
        f"{load()}\n  {result['cpu']}"
    )
    for kind, count, total, mean, low, high in psql(
        args.db,
        """SELECT CASE WHEN identity_key LIKE '%:chunk:%' THEN 'chunk'
                       ELSE split_part(identity_key, ':', 3) END AS kind,
                  count(*), round(sum(exec_time)::numeric, 1),
                  round(avg(exec_time)::numeric, 2),
                  round(min(exec_time)::numeric, 2), round(max(exec_time)::numeric, 2)
             FROM queue_job WHERE identity_key LIKE 'sop.step.run:%'
         GROUP BY 1 ORDER BY 1""",
    ):
        print(
            f"  {kind}: {count} job(s), exec_time sum {total} s, "
            f"mean {mean} s ({low}-{high})"
        )


if __name__ == "__main__":
    main()
