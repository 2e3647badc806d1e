"""CPU time of the approval's prepare job and of its chunk jobs.

Runs the job methods directly in an Odoo shell (no HTTP, no job runner), on
a COPY of a database built by ``bench_odoo_replenish.py`` (e.g.
``createdb -T sop_jobs_bench_100k_replenish mycopy``; never the original).
Prints, per part, the wall time, the CPU time of this process and the CPU
time of its PostgreSQL backend: on a machine shared with others, the CPU
times are the figures to compare. ``PROFILE=1`` adds the cProfile of the
part. Prints, never asserts.

Prepare (makes a job run of the approval of the cycle in executive review,
runs ``_sop_job_prepare``: approval, policies, chunk records; committed, for
the chunks). Both run as ``AS_USER`` (an xmlid; default the admin, whom the
bench makes an executive), as queue_job runs them::

    PART=prepare python3 -m odoo shell -d DB --addons-path=. --no-http \\
        < bench/profile_approval_jobs.py

Chunks of that run (``SEQS``: their sequences; ``COMMIT=1`` keeps them,
otherwise each is rolled back, so they can be repeated)::

    PART=chunk RUN=<run id> SEQS=1,50 python3 -m odoo shell -d DB \\
        --addons-path=. --no-http < bench/profile_approval_jobs.py
"""
# ruff: noqa: F821 - ``env`` is the Odoo shell's

import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))  # run from the repository

from odoo_jobs_bench import process_times  # noqa: E402


def backend_cpu(pid):
    """CPU seconds (user + system) of the PostgreSQL backend ``pid``."""
    return process_times(pid)[0]


def timed(label, function, *args):
    env.cr.execute("SELECT pg_backend_pid()")
    backend = env.cr.fetchone()[0]
    profile = cProfile.Profile() if os.environ.get("PROFILE") == "1" else None
    start, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu(backend)
    if profile:
        profile.enable()
    result = function(*args)
    env.flush_all()
    if profile:
        profile.disable()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    db_cpu = backend_cpu(backend) - db_cpu
    print(
        f"{label}: wall {seconds:.1f} s, CPU Odoo {cpu:.1f} s + PostgreSQL "
        f"{db_cpu:.1f} s = {cpu + db_cpu:.1f} s; {result}; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    if profile:
        if os.environ.get("PROFILE_OUT"):
            profile.dump_stats(os.environ["PROFILE_OUT"])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


# as queue_job runs them: as the user who clicked (an executive), not superuser
user = env.ref(os.environ.get("AS_USER", "base.user_admin"))
if os.environ.get("PART", "prepare") == "prepare":
    cycle = env["sop.cycle"].search([("state", "=", "executive_review")], limit=1)
    run = (
        env["sop.step.run"]
        .create({"cycle_id": cycle.id, "step": "approval", "mode": "jobs"})
        .with_user(user)
    )
    env.cr.commit()
    print(f"cycle {cycle.name}, run {run.id}")
    timed("prepare job", run._sop_job_prepare)
    env.cr.commit()
else:
    for sequence in os.environ.get("SEQS", "1").split(","):
        chunk = env["sop.step.chunk"].search(
            [("run_id", "=", int(os.environ["RUN"])), ("sequence", "=", int(sequence))]
        )
        timed(f"chunk {chunk.sequence} job", chunk.with_user(user)._sop_job_run_chunk)
        if os.environ.get("COMMIT") == "1":
            env.cr.commit()
        else:
            env.cr.rollback()
