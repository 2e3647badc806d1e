"""Time one supply review chunk job and the finalize job, in an Odoo shell.

Runs the job methods directly (no HTTP, no job runner) on a cycle whose
supply review ran, e.g. in a copy of ``sop_jobs_bench_100k``
(``createdb -T sop_jobs_bench_100k mycopy``). Each part runs in its own
transaction and is rolled back, so they can be repeated and compared
between two versions of the add-on. The chunk's lines are first emptied
of their supply review (as on a first entry). Prints wall time and the CPU
time of this process (the rest is PostgreSQL's); never asserts::

    CYCLE=4 SEQ=50 PARTS=chunk,finalize python3 -m odoo shell -d DB \\
        --addons-path=/opt/odoo19/addons,. --no-http < bench/profile_supply_jobs.py
"""
# ruff: noqa: F821 - ``env`` is the Odoo shell's

import os
import time

cycle = env["sop.cycle"].browse(int(os.environ.get("CYCLE", 4)))
product_ids = cycle._cycle_product_ids("sop.plan.line")
sequence = int(os.environ.get("SEQ", 50))
part = product_ids[(sequence - 1) * 1000 : sequence * 1000]
parts = os.environ.get("PARTS", "chunk,finalize")


def timed(label, function, *args):
    cpu, start = time.process_time(), time.perf_counter()
    function(*args)
    env.flush_all()
    print(
        f"{label}: {time.perf_counter() - start:.1f} s wall, "
        f"{time.process_time() - cpu:.1f} s CPU of this process; "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    env.cr.rollback()
    env.invalidate_all()


if "chunk" in parts:
    env.cr.execute(
        """UPDATE sop_plan_line
              SET incoming_qty = NULL, committed_qty = NULL, pulled_qty = NULL,
                  projected_on_hand = NULL, is_shortage = NULL, is_excess = NULL,
                  price_unit = NULL, cost_unit = NULL, revenue = 0, cost = 0,
                  margin = 0, inventory_value = 0, planned_receipt_qty = NULL,
                  planned_on_hand = NULL, purchase_spend = NULL,
                  planned_inventory_value = NULL, capacity_load = NULL,
                  is_over_capacity = NULL
            WHERE cycle_id = %s AND product_id = ANY(%s)""",
        (cycle.id, part),
    )
    timed(f"chunk {sequence} ({len(part)} products)", cycle._supply_chunk, part, {})
if "finalize" in parts:
    timed("finalize", cycle._supply_finalize, {}, {})
