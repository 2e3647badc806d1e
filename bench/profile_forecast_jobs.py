"""Time and peak memory of the forecast run's prepare job and of one chunk job.

Runs the job methods directly in an Odoo shell (no HTTP, no job runner), on a
database built by ``bench_odoo_demand.py`` (e.g. ``sop_jobs_bench_100k``, or
a copy: ``createdb -T sop_jobs_bench_100k mycopy``). Prints wall times, the
peak resident memory of the process (sampled every 20 ms) and, with
``PROFILE=1``, the cProfile of the part. Prints, never asserts.

Prepare (creates a cycle in demand review and a job run, runs
``_sop_job_prepare``: extraction, engine, chunk records; ``COMMIT=1`` keeps
them for the chunk profile)::

    PART=prepare COMMIT=1 python3 -m odoo shell -d DB --addons-path=. \\
        --no-http < bench/profile_forecast_jobs.py

One chunk of that run (rolled back, so it can be repeated)::

    PART=chunk RUN=<run id printed above> SEQ=50 python3 -m odoo shell -d DB \\
        --addons-path=. --no-http < bench/profile_forecast_jobs.py

Several chunks one after the other, each rolled back (``COMMIT=1``: each
committed, as a job does), with the CPU each took in this process (Python)
and in its PostgreSQL backend: two shells at once on different chunks of the
same run give two job runners without the HTTP server. When the CPU per
chunk stays the same and the wall time grows, the chunks wait (on a lock,
IO) or the cores are busy with something else::

    PART=chunks RUN=<run id> SEQS=20,21,22,23 python3 -m odoo shell -d DB \\
        --addons-path=. --no-http < bench/profile_forecast_jobs.py
"""
# ruff: noqa: F821 - ``env`` is the Odoo shell's

import cProfile
import os
import pstats
import resource
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))  # run from the repository

from odoo_jobs_bench import process_times  # noqa: E402


class PeakMemory:
    """Resident memory of this process, sampled in a thread."""

    def __init__(self):
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak = 0.0
        self.running = True
        threading.Thread(target=self._sample, daemon=True).start()

    def rss(self):
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * self.page / 2**20

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)


def timed(label, function, *args):
    memory = PeakMemory()
    start_mb = memory.rss()
    profile = cProfile.Profile() if os.environ.get("PROFILE") == "1" else None
    start = time.perf_counter()
    if profile:
        profile.enable()
    result = function(*args)
    env.flush_all()
    if profile:
        profile.disable()
    seconds = time.perf_counter() - start
    memory.running = False
    print(
        f"{label}: {seconds:.1f} s, resident memory {start_mb:.0f} MB before, "
        f"peak {max(memory.peak, memory.rss()):.0f} MB; {result}; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backend_cpu(pid):
    """User + system CPU of this session's PostgreSQL backend (same host)."""
    return process_times(pid)[0]


def run_chunks(run_id, sequences, commit):
    env.cr.execute("SELECT pg_backend_pid()")
    backend = env.cr.fetchone()[0]
    rows = []
    for sequence in sequences:
        chunk = env["sop.step.chunk"].search(
            [("run_id", "=", run_id), ("sequence", "=", sequence)]
        )
        start = (time.perf_counter(), own_cpu(), backend_cpu(backend))
        chunk._sop_job_run_chunk()
        env.flush_all()
        if commit:
            env.cr.commit()
        else:
            env.cr.execute("SELECT 1")  # the backend's work is done
        end = (time.perf_counter(), own_cpu(), backend_cpu(backend))
        if not commit:
            env.cr.rollback()
        env.invalidate_all()
        rows.append([b - a for a, b in zip(start, end, strict=True)])
        wall, python, postgres = rows[-1]
        print(
            f"chunk {sequence}: wall {wall:.2f} s, CPU Python {python:.2f} s, "
            f"PostgreSQL {postgres:.2f} s; load {os.getloadavg()[0]:.2f}"
        )
    wall, python, postgres = (
        statistics.mean(column) for column in zip(*rows, strict=True)
    )
    print(
        f"mean: wall {wall:.2f} s, CPU Python {python:.2f} s, "
        f"PostgreSQL {postgres:.2f} s"
    )


if os.environ.get("PART") == "chunks":
    run_chunks(
        int(os.environ["RUN"]),
        [int(seq) for seq in os.environ["SEQS"].split(",")],
        os.environ.get("COMMIT") == "1",
    )
elif os.environ.get("PART", "prepare") == "prepare":
    cycle = env["sop.cycle"].create({"history_months": 36, "horizon_months": 12})
    cycle.action_start_demand_review()
    run = env["sop.step.run"].create(
        {"cycle_id": cycle.id, "step": "forecast", "mode": "jobs"}
    )
    env.cr.commit()
    print(f"cycle {cycle.name}, run {run.id}")
    timed("prepare job", run._sop_job_prepare)
else:
    chunk = env["sop.step.chunk"].search(
        [
            ("run_id", "=", int(os.environ["RUN"])),
            ("sequence", "=", int(os.environ.get("SEQ", 1))),
        ]
    )
    timed(f"chunk {chunk.sequence} job", chunk._sop_job_run_chunk)
if os.environ.get("COMMIT") == "1":
    env.cr.commit()
else:
    env.cr.rollback()
