"""Click-to-done of a long S&OP step served by Odoo with queue_job's runner.

Starts an Odoo server on the bench database (``--workers`` HTTP worker
processes, queue_job's job runner loaded server-wide, channel ``root.sop``
with ``capacity`` jobs at a time), clicks the step's button over JSON-RPC
as the admin, and polls until its ``sop.step.run`` ends. Reports the
click-to-done time, the longest HTTP request the user made (the click and
the form reloads every second), and the peak memory of each process of the
server (VmHWM of the master, the job runner and the workers), and where the
machine's CPU went during the run: the server's processes, the database's
PostgreSQL backends and its autovacuum, PostgreSQL's background writers,
the rest of the machine (other users), and idle. Chunk jobs that wait on one
another leave the CPU idle; other users take it. The click waits until the
job runner serves the database (it starts 5 s after the server). Before and
after the run, a probe times a fixed pure-Python loop in one process, then
in two at once: how many cores' worth the virtual machine gave two busy
processes at the time (2.0 on two whole cores), the ceiling of what two
runners can gain over one.
"""

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PG_BACKGROUND = ("checkpointer", "walwriter", "background writer")


def _peak_mb(pid):
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children(pid):
    try:
        out = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    pids = [int(p) for p in out.split()]
    return pids + [c for p in pids for c in _children(p)]


def process_times(pid):
    """(user + system CPU of a process, all its threads; its start in seconds
    since boot), or None once it ended."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(stat[11]) + int(stat[12])) / CLOCK_TICKS, int(stat[19]) / CLOCK_TICKS


def _probe_loop(count):
    total = 0
    for i in range(count):
        total += i * i % 7
    return total


def parallelism(count=4_000_000, repeats=3):
    """Cores' worth two CPU-bound processes get: 2 x (one alone) / (two at
    once), the median of ``repeats`` tries."""
    ratios = []
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for _ in range(repeats):
            start = time.perf_counter()
            pool.apply(_probe_loop, (count,))
            alone = time.perf_counter() - start
            start = time.perf_counter()
            pool.map(_probe_loop, [count, count], chunksize=1)
            ratios.append(2 * alone / (time.perf_counter() - start))
    return statistics.median(ratios)


def _machine_cpu():
    """(busy, idle) CPU seconds of the machine since it started."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / CLOCK_TICKS, idle / CLOCK_TICKS


class CpuAccount:
    """CPU used during a run by groups of processes, sampled at each poll
    (a process is counted from its first sample, or its start if it started
    during the run, to its last sample)."""

    def __init__(self, db):
        import psycopg2  # noqa: PLC0415 - Odoo's requirement, only here

        self.connection = psycopg2.connect(dbname=db)
        self.connection.autocommit = True
        self.db = db
        self.first, self.last, self.group = {}, {}, {}
        self.machine = _machine_cpu()
        self.since = float(Path("/proc/uptime").read_text().split()[0])

    def _postgres_pids(self):
        with self.connection.cursor() as cr:
            cr.execute(
                """SELECT pid, CASE WHEN backend_type = 'autovacuum worker'
                                    THEN 'autovacuum'
                                    WHEN datname = %s THEN 'backends'
                                    ELSE 'background' END
                     FROM pg_stat_activity
                    WHERE pid <> pg_backend_pid()
                      AND (datname = %s OR backend_type IN %s)""",
                [self.db, self.db, PG_BACKGROUND],
            )
            return cr.fetchall()

    def sample(self, server_pids):
        pids = [(pid, "odoo") for pid in server_pids] + self._postgres_pids()
        for pid, group in pids:
            times = process_times(pid)
            if times is not None:
                cpu, started = times
                # a process started during the run counts from its start
                self.first.setdefault(pid, 0.0 if started > self.since else cpu)
                self.last[pid] = cpu
                self.group[pid] = group

    def close(self):
        """Close the connection (a copy of the database can then be dropped)."""
        self.connection.close()

    def summary(self):
        busy, idle = (
            now - before
            for now, before in zip(_machine_cpu(), self.machine, strict=True)
        )
        used = dict.fromkeys(("odoo", "backends", "autovacuum", "background"), 0.0)
        for pid, cpu in self.last.items():
            used[self.group[pid]] += cpu - self.first[pid]
        return (
            f"CPU s: Odoo {used['odoo']:.0f}, PostgreSQL backends of the "
            f"database {used['backends']:.0f}, its autovacuum "
            f"{used['autovacuum']:.0f}, its writers "
            f"{used['background']:.0f}, rest of the machine "
            f"{busy - sum(used.values()):.0f}, idle {idle:.0f} "
            f"(of {busy + idle:.0f})"
        )


class Client:
    """A logged-in JSON-RPC client that times every request."""

    def __init__(self, port, db):
        self.url = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar())
        )
        self.longest = 0.0
        self.call("/web/session/authenticate", db=db, login="admin", password=PASSWORD)

    def call(self, path, **params):
        body = json.dumps({"jsonrpc": "2.0", "params": params}).encode()
        request = urllib.request.Request(
            self.url + path, body, {"Content-Type": "application/json"}
        )
        start = time.perf_counter()
        with self.opener.open(request, timeout=900) as response:
            answer = json.loads(response.read())
        self.longest = max(self.longest, time.perf_counter() - start)
        if answer.get("error"):
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]

    def call_kw(self, model, method, args, kwargs=None):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            model=model,
            method=method,
            args=args,
            kwargs=kwargs or {},
        )


def _odoo_command():
    """odoo-bin of the installed Odoo when there is one: prefork servers
    start their websocket process again from ``sys.argv[0]``, which fails
    for ``python -m odoo``."""
    from odoo import release  # noqa: PLC0415 - needs Odoo, only here

    odoo_bin = Path(release.__file__).resolve().parent.parent / "odoo-bin"
    if odoo_bin.exists():
        return [sys.executable, str(odoo_bin)]
    return [sys.executable, "-m", "odoo"]


def start_server(db, port, workers, capacity):
    env = dict(
        os.environ,
        ODOO_QUEUE_JOB_CHANNELS=f"root:{capacity},root.sop:{capacity}",
        ODOO_QUEUE_JOB_PORT=str(port),
        ODOO_QUEUE_JOB_HOST="127.0.0.1",
    )
    process = subprocess.Popen(
        [
            *_odoo_command(),
            "-d",
            db,
            f"--db-filter=^{db}$",
            f"--addons-path={REPO}",
            "--load=base,rpc,web,queue_job",
            f"--workers={workers}",
            "--max-cron-threads=0",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--limit-time-real=1800",
            "--limit-time-cpu=1800",
            "--limit-memory-soft=4294967296",
            "--limit-memory-hard=6442450944",
            "--log-level=warn",
        ],
        env=env,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=5)
            break
        except OSError:
            time.sleep(1)
    else:
        process.terminate()
        raise RuntimeError("the Odoo server did not answer")
    _wait_for_job_runner(process, db)
    return process


def _wait_for_job_runner(process, db):
    """Wait until queue_job's runner serves ``db`` (it holds its advisory lock).

    The runner starts 5 s after the server (queue_job's ``START_DELAY``); a
    click before then would time that start-up, which a server in use has
    long passed.
    """
    query = (
        "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
        f"WHERE locktype = 'advisory' AND datname = '{db}'"
    )
    for _ in range(60):
        out = subprocess.run(
            ["psql", "-d", db, "-Atc", query], capture_output=True, text=True
        )
        if out.stdout.strip() not in ("", "0"):
            return
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("queue_job's runner did not start")


def click_to_done(db, cycle_id, button, port, workers, capacity, poll=1.0):
    """Click ``button`` on the cycle; return the figures of the run."""
    cores_before = parallelism()
    server = start_server(db, port, workers, capacity)
    peaks, cpu = {}, None
    try:
        client = Client(port, db)
        runs_before = client.call_kw(
            "sop.step.run", "search", [[("cycle_id", "=", cycle_id)]]
        )
        cpu = CpuAccount(db)
        cpu.sample([server.pid, *_children(server.pid)])
        start = time.perf_counter()
        client.call_kw("sop.cycle", button, [[cycle_id]])
        click = time.perf_counter() - start
        while True:
            server_pids = [server.pid, *_children(server.pid)]
            cpu.sample(server_pids)
            for pid in server_pids:
                peaks[pid] = max(peaks.get(pid, 0.0), _peak_mb(pid))
            runs = client.call_kw(
                "sop.step.run",
                "search_read",
                [[("cycle_id", "=", cycle_id), ("id", "not in", runs_before)]],
                {"fields": ["state", "progress", "mode", "error"]},
            )
            client.call_kw("sop.cycle", "read", [[cycle_id], ["step_progress"]])
            if runs and runs[0]["state"] != "running":
                break
            time.sleep(poll)
        done = time.perf_counter() - start
        result = {
            "click_to_done": done,
            "click": click,
            "longest_request": client.longest,
            "state": runs[0]["state"],
            "mode": runs[0]["mode"],
            "error": runs[0]["error"],
            "peak_mb": sorted(peaks.values(), reverse=True),
            "cpu": cpu.summary(),
        }
    finally:
        server.terminate()
        server.wait(timeout=60)
        if cpu:
            cpu.close()
    result["cpu"] += (
        f"; two busy processes got {cores_before:.2f} / {parallelism():.2f} "
        "cores' worth (probe before / after)"
    )
    return result


def load():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
