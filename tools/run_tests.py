"""Run every test of the project and print one line ``N passed, N failed``.

1. The engine suite (``tests/``) under pytest: no Odoo needed.
2. The Odoo suite (``sop_planning/tests``, ``sop_planning_dashboard/tests``):
   a fresh PostgreSQL database, both add-ons installed, ``--test-tags
   /sop_planning,/sop_planning_dashboard``, browser tours included.

Without Odoo or PostgreSQL the Odoo suite is reported as not run; with
``CI=true`` that is a failure, and so is any skipped Odoo test (Odoo skips
browser tours silently when Chromium or websocket-client is missing).

Environment: ``SOP_TEST_DB_TEMPLATE`` copies a prepared database instead of
installing the dependencies from scratch; ``SOP_TEST_KEEP_DB=1`` keeps the
test database; ``PGHOST``/``PGUSER``/... are passed to Odoo through libpq.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SUMMARY_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
SKIPPED_RE = re.compile(r"odoo\.addons\.sop_planning\S*: skipped ")
# the add-ons of this repository, installed and tested together
MODULES = ["sop_planning", "sop_planning_dashboard"]


def run_engine_suite(python):
    """Run pytest on ``tests/``; return (passed, failed, skipped)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        proc = subprocess.run(
            [python, "-m", "pytest", "tests", f"--junitxml={report}"],
            cwd=REPO,
            check=False,
        )
        if not report.exists():
            print(f"engine suite: pytest crashed (exit {proc.returncode})")
            return 0, 1, 0
        suites = ET.parse(report).getroot()
        suites = [suites] if suites.tag == "testsuite" else list(suites)
        total = sum(int(s.get("tests", 0)) for s in suites)
        failed = sum(
            int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites
        )
        skipped = sum(int(s.get("skipped", 0)) for s in suites)
    if total == 0:
        print("engine suite: pytest collected no test")
        return 0, 1, 0
    return total - failed - skipped, failed, skipped


def odoo_unavailable_reason(python):
    """Return why the Odoo suite cannot run here, or None when it can."""
    probe = subprocess.run(
        [python, "-c", "import odoo.release; print(odoo.release.serie)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"Odoo is not importable from {python}"
    if probe.stdout.strip() != "19.0":
        return f"Odoo {probe.stdout.strip()} found, 19.0 needed"
    ready = (
        subprocess.run(["pg_isready", "-q"], capture_output=True, check=False)
        if _which("pg_isready")
        else None
    )
    if ready is None or ready.returncode != 0:
        return "PostgreSQL is not reachable (pg_isready failed)"
    return None


def _which(command):
    return any(
        os.access(Path(folder) / command, os.X_OK)
        for folder in os.environ.get("PATH", "").split(os.pathsep)
    )


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_odoo_suite(python, test_tags):
    """Install the add-on on a fresh database and run its tests.

    Return (passed, failed, skipped).
    """
    db_name = f"sop_test_{os.getpid()}"
    template = os.environ.get("SOP_TEST_DB_TEMPLATE")
    subprocess.run(["dropdb", "--if-exists", db_name], check=False)
    if template:
        subprocess.run(["createdb", "-T", template, db_name], check=True)
        filestore = Path.home() / ".local/share/Odoo/filestore"
        if (filestore / template).is_dir():
            shutil.copytree(
                filestore / template, filestore / db_name, dirs_exist_ok=True
            )
    log_path = Path(tempfile.gettempdir()) / f"{db_name}.log"
    # Odoo appends to its log: a former run with the same pid would be counted
    log_path.unlink(missing_ok=True)
    command = [
        python,
        "-m",
        "odoo",
        "-d",
        db_name,
        f"--addons-path={REPO}",
        "-i",
        ",".join(MODULES),
        "--test-tags",
        test_tags,
        "--stop-after-init",
        "--http-interface=127.0.0.1",
        f"--http-port={_free_port()}",
        "--workers=0",
        "--max-cron-threads=0",
        f"--logfile={log_path}",
    ]
    print("odoo suite:", " ".join(command), flush=True)
    proc = subprocess.run(command, cwd=REPO, check=False)
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if os.environ.get("SOP_TEST_KEEP_DB") != "1":
        subprocess.run(["dropdb", "--if-exists", db_name], check=False)
        shutil.rmtree(Path.home() / ".local/share/Odoo/filestore" / db_name, True)
    summaries = SUMMARY_RE.findall(log)
    problems = [
        line for line in log.splitlines() if " ERROR " in line or " CRITICAL " in line
    ]
    for line in problems[:40]:
        print("  ", line)
    if not summaries:
        print(f"odoo suite: no test summary (exit {proc.returncode}); log {log_path}")
        return 0, 1, 0
    failed = sum(int(f) + int(e) for f, e, _ in summaries)
    total = sum(int(t) for _, _, t in summaries)
    skipped = len(SKIPPED_RE.findall(log))
    if proc.returncode not in (0, 1):
        print(f"odoo suite: odoo exited {proc.returncode}; log {log_path}")
        failed += 1
    if total == 0:
        print("odoo suite: no test ran")
        failed += 1
    print(
        f"odoo suite: {total} tests, {failed} failed, {skipped} skipped; log {log_path}"
    )
    return total - failed - skipped, failed, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine-only", action="store_true")
    parser.add_argument("--odoo-only", action="store_true")
    parser.add_argument(
        "--test-tags", default=",".join(f"/{module}" for module in MODULES)
    )
    args = parser.parse_args()
    python = os.environ.get("ODOO_PYTHON") or sys.executable

    passed = failed = skipped = 0
    if not args.odoo_only:
        passed, failed, skipped = run_engine_suite(python)
    if not args.engine_only:
        reason = odoo_unavailable_reason(python)
        if reason:
            print(f"ODOO SUITE NOT RUN: {reason}.")
            if IN_CI:
                print("CI=true: a missing Odoo or PostgreSQL is a failure.")
                failed += 1
        else:
            p, f, s = run_odoo_suite(python, args.test_tags)
            passed, failed, skipped = passed + p, failed + f, skipped + s
            if s and IN_CI:
                print(f"CI=true: {s} skipped Odoo test(s) fail the run.")
                failed += s
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
