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
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_jobs_bench import (  # noqa: E402
    Client,
    _children,
    load,
    start_server,
)

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of process ``pid`` (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def psql(db, query):
    out = subprocess.run(
        ["psql", "-d", db, "-Atc", query], capture_output=True, text=True, check=True
    )
    return [line.split("|") for line in out.stdout.splitlines() if line]


def backends(db):
    query = f"SELECT pid FROM pg_stat_activity WHERE datname = '{db}'"
    return [int(pid) for (pid,) in psql(db, query)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--runners", type=int, default=2)
    parser.add_argument("--port", type=int, default=18269)
    args = parser.parse_args()
    (cycle_id,) = psql(
        args.db, "SELECT max(id) FROM sop_cycle WHERE state = 'executive_review'"
    )[0]
    workers = args.runners + 1
    server = start_server(args.db, args.port, workers, args.runners)
    try:
        client = Client(args.port, args.db)
        seen = {}  # pid -> CPU seconds at start (processes alive then)

        def sample():
            for pid in [server.pid, *_children(server.pid), *backends(args.db)]:
                seen.setdefault(pid, cpu_seconds(pid))
                last[pid] = cpu_seconds(pid)

        last = {}
        sample()
        before = load()
        start = time.perf_counter()
        client.call_kw("sop.cycle", "action_approve", [[int(cycle_id)]])
        while True:
            sample()
            runs = client.call_kw(
                "sop.step.run",
                "search_read",
                [[("cycle_id", "=", int(cycle_id)), ("step", "=", "approval")]],
                {"fields": ["state"]},
            )
            if runs and runs[0]["state"] != "running":
                break
            time.sleep(1.0)
        done = time.perf_counter() - start
        sample()
        pg = set(backends(args.db))
        odoo_cpu = sum(last[p] - seen[p] for p in last if p not in pg)
        pg_cpu = sum(last[p] - seen[p] for p in last if p in pg)
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(
        f"approval, {args.runners} runner(s): click-to-done {done:.1f} s, "
        f"{runs[0]['state']}; CPU Odoo {odoo_cpu:.1f} s + PostgreSQL {pg_cpu:.1f} s "
        f"(backends alive at the end); load {before} -> {load()}"
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
