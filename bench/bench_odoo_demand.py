"""Benchmark of the demand review on a large database (prints, never asserts).

Builds (once) a database with N products and M confirmed sale order lines
spread over 36 months (products, orders and lines in bulk SQL),
then times, in one Odoo process:

1. ``sop.demand.history._extract`` (SQL + pandas),
2. ``sop.cycle._run_forecast()`` (extraction, engine, writes), first run,
3. the same run again (refresh in place, adjustments kept),
4. the move to the supply review (its first run), then
   ``sop.cycle._run_supply_review()`` again (a refresh),

and prints the peak resident memory of the process after each step and the
load average of the machine. ``--vendors`` gives every product a vendor
(7 days, in the run's transaction, rolled back) before the supply review, so
that it computes draft policies and planned orders for every product.

With ``--jobs``, the forecast run, then the supply review (the move to it),
are instead clicked over HTTP on an Odoo server with queue_job's job runner
(``odoo_jobs_bench.py``), each setting on a new cycle in its own fresh copy
of the database (``createdb -T``: a setting run after another would find
the other's cycle, 1.2 M more plan lines at 100,000 products, and be
slower for it): inline in the request (threshold above the catalogue),
then as jobs on channel ``root.sop`` with 1 and with 2 jobs at a time (2
and 3 HTTP worker processes); it prints click-to-done, the longest request,
peak memory per process and the machine's load.

Usage::

    python3 bench/bench_odoo_demand.py [--products 10000] [--lines 1000000]
        [--db sop_bench_odoo] [--template sop_base] [--rebuild] [--vendors] [--jobs]
        [--settings inline,jobs1,jobs2]

The database is kept for the next run; ``--rebuild`` drops it first.
Targets (issue 5): extraction <= 15 s, full run incl. writes <= 90 s.
"""

import argparse
import logging
import os
import subprocess
import time
from datetime import date

from odoo_bench_db import clone_products, copy_environment, prepare_database, rss_mb


def fill(env, n_products, n_lines):
    """Products, orders and lines in bulk SQL (one product by the ORM, the
    others copied from it)."""
    start = time.perf_counter()
    prototype = env["product.product"].create(
        {
            "name": "Bench 000000",
            "is_storable": True,
            "list_price": 10.0,
            "standard_price": 6.0,
        }
    )
    products = prototype | clone_products(
        env,
        prototype,
        n_products - 1,
        "Bench %s",
        list_price="10 + g %% 90",
        standard_price="6 + g %% 50",
    )
    print(f"  {n_products} products created in {time.perf_counter() - start:.1f} s")
    partner = env["res.partner"].create({"name": "Bench customer"})
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)])[0]
    cr = env.cr
    env.flush_all()
    start = time.perf_counter()
    n_orders = n_lines // 10
    cr.execute(
        """
        INSERT INTO sale_order (name, company_id, partner_id, partner_invoice_id,
               partner_shipping_id, date_order, picking_policy, state,
               warehouse_id, currency_rate, currency_id)
        SELECT 'BENCH/' || g, %s, %s, %s, %s,
               date_trunc('month', now()) - random() * interval '1095 days',
               'direct', 'sale', %s, 1, %s
          FROM generate_series(1, %s) g
        """,
        (
            env.company.id,
            partner.id,
            partner.id,
            partner.id,
            warehouse.id,
            env.company.currency_id.id,
            n_orders,
        ),
    )
    # skewed popularity: product index = n * u^2 (a few sell a lot: ABC)
    cr.execute(
        """
        INSERT INTO sale_order_line (order_id, name, product_uom_qty, price_unit,
               customer_lead, product_id, product_uom_id, price_subtotal,
               company_id, state)
        SELECT o.id, 'bench', q, 10, 0, p.ids[1 + floor(power(random(), 2) * %s)::int],
               %s, q * 10, o.company_id, 'sale'
          FROM sale_order o
         CROSS JOIN generate_series(1, 10) g
         CROSS JOIN (SELECT %s::int[] AS ids) p
         CROSS JOIN LATERAL (SELECT 1 + floor(random() * 10 + g * 0) AS q) qty
         WHERE o.name LIKE 'BENCH/%%'
        """,
        (n_products, env.ref("uom.product_uom_unit").id, products.ids),
    )
    cr.execute("ANALYZE sale_order; ANALYZE sale_order_line")
    print(
        f"  {n_orders} orders / {n_lines} lines inserted in "
        f"{time.perf_counter() - start:.1f} s"
    )
    cr.commit()


def add_vendors(env, products):
    """One vendor line (7 days, no MOQ) per product, by SQL."""
    vendor = env["res.partner"].create({"name": "Bench vendor"})
    env.flush_all()
    env.cr.execute(
        """
        INSERT INTO product_supplierinfo (partner_id, product_tmpl_id,
               product_uom_id, currency_id, delay, min_qty, price, sequence,
               company_id)
        SELECT %s, pt.id, pt.uom_id, %s, 7, 0, 5, 1, %s
          FROM product_template pt
          JOIN product_product pp ON pp.product_tmpl_id = pt.id
         WHERE pp.id = ANY(%s)
        """,
        (vendor.id, env.company.currency_id.id, env.company.id, products.ids),
    )
    env.invalidate_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10000)
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument("--db", default="sop_bench_odoo")
    parser.add_argument("--template", default="sop_base")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--jobs", action="store_true", help="served, as jobs")
    parser.add_argument("--port", type=int, default=18069)
    parser.add_argument("--vendors", action="store_true")
    parser.add_argument(
        "--settings",
        default="inline,jobs1,jobs2",
        help="with --jobs: which of inline, jobs1, jobs2 to run",
    )
    args = parser.parse_args()

    registry, fresh = prepare_database(args)
    logging.getLogger("odoo.addons.sop_planning").setLevel(logging.INFO)
    from odoo.api import SUPERUSER_ID, Environment  # noqa: PLC0415 - needs Odoo

    with registry.cursor() as cr:
        env = Environment(cr, SUPERUSER_ID, {})
        if fresh:
            fill(env, args.products, args.lines)
        if args.jobs:
            from odoo_jobs_bench import PASSWORD  # noqa: PLC0415

            env.ref("base.user_admin").password = PASSWORD
            cr.commit()
    if args.jobs:
        return bench_jobs(args)
    with registry.cursor() as cr:
        env = Environment(cr, SUPERUSER_ID, {})
        # in this process, as before queue_job: the steps run inline
        env["ir.config_parameter"].set_param(
            "sop_planning.job_product_threshold", str(10**9)
        )
        cr.execute("SELECT count(*) FROM sale_order_line")
        print(f"sale order lines in the database: {cr.fetchone()[0]}")
        print(f"memory before: {rss_mb():.0f} MB peak RSS")
        cycle = env["sop.cycle"].create({"history_months": 36, "horizon_months": 12})
        cycle.action_start_demand_review()
        date_from, date_to = cycle._history_window()
        products = cycle._get_scope_products()
        warehouses = cycle._get_scope_warehouses()

        start = time.perf_counter()
        history = env["sop.demand.history"]._extract(
            env.company, warehouses, products, date_from, date_to
        )
        took = time.perf_counter() - start
        print(
            f"extraction: {took:.1f} s, {len(history)} product x warehouse x month "
            f"rows, {len(products)} products; peak RSS {rss_mb():.0f} MB"
        )
        del history

        for label in ("forecast run (first, creates lines)", "forecast re-run"):
            start = time.perf_counter()
            cycle._run_forecast()
            env.flush_all()
            took = time.perf_counter() - start
            print(
                f"{label}: {took:.1f} s; {len(cycle.forecast_ids)} forecasts, "
                f"{len(cycle.plan_line_ids)} plan lines; peak RSS {rss_mb():.0f} MB"
            )
            env.invalidate_all()

        if args.vendors:
            add_vendors(env, products)
        start = time.perf_counter()
        cycle.action_submit_supply_review()  # runs the supply review
        env.flush_all()
        print(
            f"supply review, first entry: {time.perf_counter() - start:.1f} s; "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        start = time.perf_counter()
        cycle._run_supply_review()
        env.flush_all()
        print(
            f"supply review: {time.perf_counter() - start:.1f} s; "
            f"peak RSS {rss_mb():.0f} MB; load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        print(f"run on {date.today()}; rolled back (database kept with its data)")
        cr.rollback()


JOB_SETTINGS = {  # label, threshold, HTTP workers, jobs at a time on root.sop
    "inline": ("inline (in the request)", 10**9, 2, 1),
    "jobs1": ("jobs, 1 runner", 2000, 2, 1),
    "jobs2": ("jobs, 2 runners", 2000, 3, 2),
}


def bench_jobs(args):
    """Click Run Forecast, then the supply review, on a served copy of the
    database: inline, 1 and 2 job runners."""
    from odoo_jobs_bench import click_to_done, load  # noqa: PLC0415

    settings = [  # label, threshold, HTTP workers, jobs at a time on root.sop
        setting
        for name, setting in JOB_SETTINGS.items()
        if name in args.settings.split(",")
    ]
    copy = f"{args.db}_jobs"
    for label, threshold, workers, capacity in settings:
        with copy_environment(copy, args.db) as env:
            env["ir.config_parameter"].set_param(
                "sop_planning.job_product_threshold", threshold
            )
            cycle = env["sop.cycle"].create(
                {"history_months": 36, "horizon_months": 12}
            )
            cycle.action_start_demand_review()
            cycle_id = cycle.id
        # the forecast run, then the supply review of its plan (the move to
        # supply review, then the review as a step)
        for step, button in (
            ("forecast run", "action_run_forecast"),
            ("supply review", "action_submit_supply_review"),
        ):
            before = load()
            result = click_to_done(copy, cycle_id, button, args.port, workers, capacity)
            peaks = ", ".join(f"{mb:.0f}" for mb in result["peak_mb"][:4])
            print(
                f"{step}, {label}: click-to-done {result['click_to_done']:.1f} s "
                f"({result['mode']}, {result['state']}); click "
                f"{result['click']:.2f} s; longest request "
                f"{result['longest_request']:.2f} s; peak MB per process {peaks}; "
                f"load {before} -> {load()}"
            )
            print(f"  {result['cpu']}")
            if result["error"]:
                print(f"  error: {result['error']}")
            if result["state"] != "done":
                break
    subprocess.run(["dropdb", "--if-exists", copy], check=True)
    print(f"run on {date.today()}; each setting on a fresh copy of {args.db}")


if __name__ == "__main__":
    main()
