"""Benchmark: approved plan -> reordering rules -> replenishment, at scale.

Builds (once) a database with N products, each with a vendor, and a cycle in
executive review whose plan (forecasts and 12 months of plan lines per
product) is written by SQL. Then, in one Odoo process:

1. times ``sop.cycle.action_approve()``: policy engine + N reordering rules;
2. times Odoo's own scheduler on those rules (``trigger = auto``): it creates
   the RFQs; the transaction is rolled back;
3. times the S&OP replenishment (``_cron_replenish`` with RFQs created at
   once) on the same rules and the same stock: proposals with their
   explanation, then the same RFQs through Odoo's procurement;
4. times the nightly policy refresh with nothing changed, then with the plan
   x1.5 (every rule rewritten through the ORM); rolled back.

Prints figures and the machine's load average, asserts nothing::

    python3 bench/bench_odoo_replenish.py [--products 10000] [--db sop_bench_replenish]
        [--template sop_base] [--rebuild] [--batch-size N] [--warehouses 2]
        [--skip-odoo] [--jobs] [--vendors 50] [--settings inline,jobs1,jobs2]

With ``--jobs``, the approval is instead clicked over HTTP on an Odoo server
with queue_job's job runner (``odoo_jobs_bench.py``), each time on a copy of
the database: inline in the request, then as jobs on ``root.sop`` with 1 and
with 2 jobs at a time; it prints click-to-done, the longest request, peak
memory per process and the load.

``--batch-size`` is passed to ``_cron_replenish`` (default: the cron's own).
``--warehouses 2`` adds a depot resupplied from the main warehouse by Odoo's
own route (a 2-day transit rule) that plans every product too: the
even-numbered products are resupplied (transfers), the others bought there
as well; times are also printed per product x warehouse (per rule).
``--skip-odoo`` leaves out step 2 (Odoo's own scheduler on a copy).
``--vendors 50`` spreads the products over 50 vendors with terms (weekly
cycle on today's weekday, a 500 minimum): the S&OP run then leaves its
proposals open and builds the vendor orders (timed apart), and *Create RFQ*
on every vendor order is timed too; the whole (run + RFQs) is compared with
Odoo's scheduler, which creates the RFQs itself.

Targets (issue 6): approval -> rules <= 30 s for 10k products; the S&OP run no
slower than Odoo's scheduler on the same rules.
"""

import argparse
import os
import subprocess
import time
from datetime import date

from bench_odoo_demand import JOB_SETTINGS
from odoo_bench_db import (
    clone_products,
    copy_database,
    copy_environment,
    prepare_database,
)


def add_depot(env, warehouse, products):
    """A depot resupplied from ``warehouse`` for the even-numbered products."""
    depot = env["stock.warehouse"].create(
        {
            "name": "Bench depot",
            "code": "DEP",
            "resupply_wh_ids": [(6, 0, warehouse.ids)],
        }
    )
    route = depot.resupply_route_ids
    route.rule_ids.filtered(
        lambda rule: rule.location_dest_id == depot.lot_stock_id
    ).delay = 2
    products.filtered(lambda p: p.id % 2 == 0).route_ids = route
    return depot


def bench_vendors(env, n_vendors):
    """Vendors; with several, weekly terms ordering today with a minimum."""
    vendors = env["res.partner"].create(
        [{"name": f"Bench vendor {i:02d}"} for i in range(n_vendors)]
    )
    if n_vendors > 1:
        vendors.write(
            {
                "sop_order_weekday": str(date.today().weekday()),
                "sop_order_interval_days": 7,
                "sop_min_order_value": 500.0,
            }
        )
    return vendors


def fill(env, n_products, n_warehouses=1, n_vendors=1):
    """Products with a vendor and a plan, in bulk SQL (one product by the
    ORM, the others copied from it)."""
    start = time.perf_counter()
    vendors = bench_vendors(env, n_vendors)
    category = env["product.category"].create({"name": "Bench replenish"})
    prototype = env["product.product"].create(
        {
            "name": "Replenish 000000",
            "is_storable": True,
            "categ_id": category.id,
            "standard_price": 5.0,
            "seller_ids": [
                (0, 0, {"partner_id": vendors[0].id, "delay": 7, "min_qty": 10.0})
            ],
        }
    )
    clones = clone_products(
        env,
        prototype,
        n_products - 1,
        "Replenish %s",
        list_price="10",
        standard_price="5 + g %% 40",
    )
    # the vendor of clone g: vendors[g % n], 7 + g % 30 days, 10 minimum
    env.cr.execute(
        """
        INSERT INTO product_supplierinfo (partner_id, product_tmpl_id,
               product_uom_id, currency_id, delay, min_qty, price, sequence,
               company_id)
        SELECT (%s::int[])[1 + t.n::int %% %s], t.id, s.product_uom_id,
               s.currency_id, 7 + t.n::int %% 30, 10, s.price, s.sequence,
               s.company_id
          FROM unnest(%s::int[]) WITH ORDINALITY AS t(id, n)
          JOIN product_supplierinfo s ON s.product_tmpl_id = %s
        """,
        (
            vendors.ids,
            n_vendors,
            clones.product_tmpl_id.sorted("id").ids,
            prototype.product_tmpl_id.id,
        ),
    )
    products = prototype | clones
    print(
        f"  {n_products} products with a vendor created in "
        f"{time.perf_counter() - start:.1f} s"
    )
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    depot = env["stock.warehouse"]
    if n_warehouses > 1:
        depot = add_depot(env, warehouse, products)
    cycle = env["sop.cycle"].create(
        {
            "warehouse_ids": [(6, 0, (warehouse | depot).ids)],
            "product_category_ids": [(6, 0, category.ids)],
        }
    )
    env.flush_all()
    cr = env.cr
    month = date.today().replace(day=1)
    cr.execute(
        """
        INSERT INTO sop_forecast (cycle_id, company_id, product_id, warehouse_id,
               state, model, abc, xyz, pattern, sigma, vendor_id, lead_time_days, moq,
               supply_route)
        SELECT %s, %s, p.id, %s, 'ok', 'ses',
               (ARRAY['A','B','C'])[1 + p.id %% 3], (ARRAY['X','Y','Z'])[1 + p.id %% 3],
               'smooth', 5 + p.id %% 20,
               (SELECT s.partner_id FROM product_supplierinfo s
                 WHERE s.product_tmpl_id = t.id LIMIT 1),
               7 + p.id %% 30, 10, 'buy'
          FROM product_product p
          JOIN product_template t ON t.id = p.product_tmpl_id
         WHERE t.categ_id = %s
        """,
        (cycle.id, env.company.id, warehouse.id, category.id),
    )
    if depot:  # as the supply review finds it: even products resupplied
        cr.execute(
            """
            INSERT INTO sop_forecast (cycle_id, company_id, product_id,
                   warehouse_id, state, model, abc, xyz, pattern, sigma, vendor_id,
                   lead_time_days, moq, supply_route, source_warehouse_id)
            SELECT cycle_id, company_id, product_id, %s, state, model, abc, xyz,
                   pattern, sigma,
                   CASE WHEN product_id %% 2 = 0 THEN NULL ELSE vendor_id END,
                   CASE WHEN product_id %% 2 = 0 THEN 2 ELSE lead_time_days END,
                   CASE WHEN product_id %% 2 = 0 THEN 0 ELSE moq END,
                   CASE WHEN product_id %% 2 = 0 THEN 'resupply' ELSE 'buy' END,
                   CASE WHEN product_id %% 2 = 0 THEN %s END
              FROM sop_forecast WHERE cycle_id = %s
            """,
            (depot.id, warehouse.id, cycle.id),
        )
    cr.execute(
        """
        INSERT INTO sop_plan_line (cycle_id, forecast_id, company_id, product_id,
               warehouse_id, date_month, forecast_qty, adjustment_qty, consensus_qty,
               adjustment_mode)
        SELECT f.cycle_id, f.id, f.company_id, f.product_id, f.warehouse_id,
               (%s::date + make_interval(months => m))::date,
               20 + f.product_id %% 80, 0, 20 + f.product_id %% 80, 'qty'
          FROM sop_forecast f
         CROSS JOIN generate_series(0, 11) m
         WHERE f.cycle_id = %s
        """,
        (month, cycle.id),
    )
    cr.execute(
        "UPDATE sop_cycle SET state = 'executive_review' WHERE id = %s", (cycle.id,)
    )
    cr.commit()
    return cycle.id


def count_rfq_lines(cr):
    cr.execute(
        "SELECT count(*), coalesce(sum(product_qty), 0) FROM purchase_order_line"
    )
    return cr.fetchone()


def time_cron(env, xmlid, pending=None):
    """Run a scheduled action as Odoo's cron worker does; return seconds, runs.

    ``method_direct_trigger`` runs the job in its own cursor with the cron
    progress API (the job commits per batch and yields after about 10 s or
    10 calls); while ``pending(env)`` says work is left, the job is
    triggered again, as the worker would do at once.
    """
    cron = env.ref(xmlid)
    start = time.perf_counter()
    runs = 0
    while True:
        cron.method_direct_trigger()
        runs += 1
        env.cr.commit()  # a new snapshot: see what the job committed
        if pending is None or not pending(env):
            return time.perf_counter() - start, runs


def sop_rules_pending(env):
    """S&OP rules the replenishment run has not looked at today."""
    return env["stock.warehouse.orderpoint"].search_count(
        env["sop.reorder.proposal"]._pending_rules_domain(date.today())
    )


def time_vendor_order_builds(env):
    """Seconds of each vendor-order build the run makes (appended to a list)."""
    model_class = type(env["sop.vendor.order"])
    build = model_class._build_vendor_orders
    seconds = []

    def timed(self, companies=None):
        start = time.perf_counter()
        try:
            return build(self, companies)
        finally:
            seconds.append(time.perf_counter() - start)

    model_class._build_vendor_orders = timed
    return seconds


def time_create_rfqs(env):
    """Create RFQ on every proposed vendor order with lines to order."""
    orders = env["sop.vendor.order"].search([("state", "=", "draft")])
    orders = orders.filtered(
        lambda o: any(
            x.quantity > 0 and x.reason in ("due", "added") for x in o.line_ids
        )
    )
    start = time.perf_counter()
    orders.action_create_rfq()
    env.cr.commit()
    return time.perf_counter() - start, len(orders)


def time_cron_on_copy(db, xmlid):
    """Time a scheduled action on a copy of ``db`` (same rules and stock)."""
    copy = f"{db}_odoo_run"
    try:
        with copy_environment(copy, db) as env:
            seconds, _runs = time_cron(env, xmlid)
            lines, qty = count_rfq_lines(env.cr)
    finally:
        subprocess.run(["dropdb", "--if-exists", copy], check=True)
    return seconds, lines, qty


def time_nightly_refresh(env, cycle):
    """Seconds of the nightly policy refresh, unchanged then with the plan x1.5.

    Rolled back: the database stays as the replenishment left it.
    """
    policy_model = env["sop.inventory.policy"]
    times = []
    for factor in (1.0, 1.5):
        env.cr.execute(
            "UPDATE sop_plan_line SET consensus_qty = consensus_qty * %s "
            "WHERE cycle_id = %s",
            (factor, cycle.id),
        )
        env.invalidate_all()
        start = time.perf_counter()
        policy_model._refresh_plan(cycle)
        env.flush_all()
        times.append(time.perf_counter() - start)
    env.cr.rollback()
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10000)
    parser.add_argument("--db", default="sop_bench_replenish")
    parser.add_argument("--template", default="sop_base")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--jobs", action="store_true", help="served, as jobs")
    parser.add_argument("--port", type=int, default=18169)
    parser.add_argument("--warehouses", type=int, choices=(1, 2), default=1)
    parser.add_argument("--skip-odoo", action="store_true")
    parser.add_argument("--vendors", type=int, default=1)
    parser.add_argument(
        "--settings",
        default="inline,jobs1,jobs2",
        help="with --jobs: which of inline, jobs1, jobs2 to run",
    )
    args = parser.parse_args()

    registry, fresh = prepare_database(args)
    if args.jobs:
        return bench_jobs(registry, fresh, args)
    from odoo.api import SUPERUSER_ID, Environment  # noqa: PLC0415 - needs Odoo

    with registry.cursor() as cr:
        env = Environment(cr, SUPERUSER_ID, {})
        if fresh:
            cycle_id = fill(env, args.products, args.warehouses, args.vendors)
        else:
            cr.execute("SELECT max(id) FROM sop_cycle WHERE state = 'executive_review'")
            cycle_id = cr.fetchone()[0]
        cycle = env["sop.cycle"].browse(cycle_id)
        env.company.sop_orderpoint_trigger = "auto"
        # with vendor terms, the buyer orders through the vendor orders
        env.company.sop_auto_rfq = args.vendors == 1
        print(
            "load average at start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        )

        # the approval in this process, never as queued jobs
        env["ir.config_parameter"].set_param(
            "sop_planning.job_product_threshold", str(10**9)
        )
        start = time.perf_counter()
        cycle.action_approve()
        env.flush_all()
        approve = time.perf_counter() - start
        rules = env["stock.warehouse.orderpoint"].search([("sop_managed", "=", True)])
        print(
            f"approval -> {len(rules)} reordering rules: {approve:.1f} s "
            f"({approve / max(len(rules), 1) * 1000:.2f} ms per product x "
            "warehouse; target for 10k: <= 30 s)"
        )
        n_rules = len(rules)
        cr.commit()
    odoo_run = float("nan")
    if not args.skip_odoo:
        odoo_run, odoo_lines, odoo_qty = time_cron_on_copy(
            args.db, "stock.ir_cron_scheduler_action"
        )
        print(
            f"Odoo scheduler (cron): {odoo_run:.1f} s, {odoo_lines} RFQ lines, "
            f"{odoo_qty:.0f} units"
        )
    with registry.cursor() as cr:
        env = Environment(cr, SUPERUSER_ID, {})
        if args.batch_size:
            cron = env.ref("sop_planning.ir_cron_sop_replenish")
            cron.code = f"model._cron_replenish(batch_size={args.batch_size})"
            cr.commit()
        build_seconds = time_vendor_order_builds(env)
        sop_run, runs = time_cron(
            env, "sop_planning.ir_cron_sop_replenish", sop_rules_pending
        )
        if args.vendors > 1:
            rfq_seconds, n_orders = time_create_rfqs(env)
            print(
                f"vendor orders built in {sum(build_seconds):.1f} s (in the run); "
                f"Create RFQ on {n_orders} vendor orders: {rfq_seconds:.1f} s; "
                f"whole (run + RFQs) {sop_run + rfq_seconds:.1f} s, ratio whole / "
                f"Odoo = {(sop_run + rfq_seconds) / odoo_run:.2f}"
            )
        sop_lines, sop_qty = count_rfq_lines(cr)
        proposals = env["sop.reorder.proposal"].search_count([])
        print(
            f"S&OP replenishment (cron, {runs} trigger(s)): {sop_run:.1f} s, "
            f"{proposals} proposals, {sop_lines} RFQ lines, {sop_qty:.0f} units; "
            f"ratio S&OP / Odoo = {sop_run / odoo_run:.2f}; "
            f"{sop_run / max(n_rules, 1) * 1000:.2f} ms per product x warehouse"
        )
        env.cr.execute(
            "SELECT count(*) FROM sop_reorder_proposal WHERE move_id IS NOT NULL"
        )
        print(f"  proposals ordered as transfers: {env.cr.fetchone()[0]}")
    with registry.cursor() as cr:
        env = Environment(cr, SUPERUSER_ID, {})
        unchanged, moved = time_nightly_refresh(env, env["sop.cycle"].browse(cycle_id))
        print(
            f"nightly refresh (rolled back): {unchanged:.1f} s with nothing changed, "
            f"{moved:.1f} s with the plan x1.5 (every rule rewritten)"
        )
    print(
        "load average (1, 5, 15 min): "
        + ", ".join(f"{load:.1f}" for load in os.getloadavg())
        + f"; batch size {args.batch_size or 'default'}"
    )
    print(
        f"run on {date.today()}; the S&OP run is committed: use --rebuild to start over"
    )


def bench_jobs(registry, fresh, args):
    """Click Approve on copies of the database: inline, 1 and 2 job runners."""
    from odoo_jobs_bench import PASSWORD, click_to_done, load  # noqa: PLC0415

    from odoo.api import SUPERUSER_ID, Environment  # noqa: PLC0415 - needs Odoo
    from odoo.sql_db import close_db  # noqa: PLC0415

    with registry.cursor() as cr:
        env = Environment(cr, SUPERUSER_ID, {})
        if fresh:
            cycle_id = fill(env, args.products)
        else:
            cr.execute("SELECT max(id) FROM sop_cycle WHERE state = 'executive_review'")
            cycle_id = cr.fetchone()[0]
        admin = env.ref("base.user_admin")
        admin.password = PASSWORD
        admin.group_ids += env.ref("sop_planning.group_sop_executive")
    close_db(args.db)  # the copies need the database without sessions
    settings = [
        setting
        for name, setting in JOB_SETTINGS.items()
        if name in args.settings.split(",")
    ]
    copy = f"{args.db}_jobs"
    for label, threshold, workers, capacity in settings:
        copy_database(copy, args.db)
        subprocess.run(
            [
                "psql",
                "-d",
                copy,
                "-qc",
                "INSERT INTO ir_config_parameter (key, value) VALUES "
                f"('sop_planning.job_product_threshold', '{threshold}') "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            ],
            check=True,
        )
        before = load()
        result = click_to_done(
            copy, cycle_id, "action_approve", args.port, workers, capacity
        )
        peaks = ", ".join(f"{mb:.0f}" for mb in result["peak_mb"][:4])
        print(
            f"approval, {label}: click-to-done {result['click_to_done']:.1f} s "
            f"({result['mode']}, {result['state']}); click {result['click']:.2f} s; "
            f"longest request {result['longest_request']:.2f} s; peak MB per "
            f"process {peaks}; load {before} -> {load()}"
        )
        print(f"  {result['cpu']}")
        if result["error"]:
            print(f"  error: {result['error']}")
    subprocess.run(["dropdb", "--if-exists", copy], check=True)
    print(f"run on {date.today()}")


if __name__ == "__main__":
    main()
