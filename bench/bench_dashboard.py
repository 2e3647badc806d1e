"""Time the data the S&OP executive dashboard loads when it opens.

Replays, through the ORM and as a given user, the calls the spreadsheet
makes: the dashboard record, one ``formatted_read_grouping_sets`` per pivot
(month filter on its default, last month) and one ``formatted_read_group``
per trend chart. It prints each call and the total::

    python3 bench/bench_dashboard.py -d <database> [--login admin] [--repeat 3]

The database needs ``sop_planning`` at the worktree's version; the dashboard
comes from the record if ``sop_planning_dashboard`` is installed, else from
its JSON file. Only reads: the database is not changed.
"""

import argparse
import json
import time
from datetime import date
from pathlib import Path

from dateutil.relativedelta import relativedelta

REPO = Path(__file__).resolve().parent.parent
DASHBOARD_FILE = (
    REPO / "sop_planning_dashboard" / "data" / "files" / "sop_executive_dashboard.json"
)
DASHBOARD_XMLID = "sop_planning_dashboard.sop_executive_dashboard"


def _month_domain(field, offset, today):
    """The month filter on last month, moved by ``offset`` months."""
    start = today.replace(day=1) + relativedelta(months=offset - 1)
    end = start + relativedelta(months=1, days=-1)
    return [(field, ">=", start.isoformat()), (field, "<=", end.isoformat())]


def _resolve(domain, today):
    """The chart's relative date ("today =1d -12m") as a date."""
    first = today.replace(day=1) - relativedelta(months=12)
    return [
        (leaf[0], leaf[1], first.isoformat())
        if isinstance(leaf[2], str) and leaf[2].startswith("today")
        else tuple(leaf)
        for leaf in domain
    ]


def _aggregate(model, measure):
    if measure == "__count":
        return measure
    return f"{measure}:{model._fields[measure].aggregator or 'sum'}"


def dashboard_calls(env, today):
    """(label, callable) of the calls the dashboard makes when it opens."""
    dashboard = env.ref(DASHBOARD_XMLID, raise_if_not_found=False)

    def load():
        if dashboard:
            return json.loads(dashboard._get_serialized_readonly_dashboard())[
                "snapshot"
            ]
        return json.loads(DASHBOARD_FILE.read_text())

    calls = [("dashboard record" if dashboard else "dashboard file", load)]
    snapshot = load()
    for pivot in snapshot["pivots"].values():
        model = env[pivot["model"]]
        domain = _resolve(pivot["domain"], today)
        for match in pivot["fieldMatching"].values():
            domain += _month_domain(match["chain"], match["offset"], today)
        rows = [r["fieldName"] for r in pivot["rows"]]
        aggregates = [_aggregate(model, m["fieldName"]) for m in pivot["measures"]]
        calls.append(
            (
                f"pivot {pivot['name']}",
                lambda m=model, d=domain, r=rows, a=aggregates: (
                    m.formatted_read_grouping_sets(d, [r, []] if r else [[]], a)
                ),
            )
        )
    for sheet in snapshot["sheets"]:
        for figure in sheet.get("figures", []):
            data = figure.get("data", {})
            if not data.get("type", "").startswith("odoo_"):
                continue
            meta = data["metaData"]
            model = env[meta["resModel"]]
            domain = _resolve(data["searchParams"]["domain"], today)
            aggregates = [_aggregate(model, meta["measure"])]
            calls.append(
                (
                    f"chart {data['title']['text']}",
                    lambda m=model, d=domain, g=meta["groupBy"], a=aggregates: (
                        m.with_context(fill_temporal=True).formatted_read_group(d, g, a)
                    ),
                )
            )
    return calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--addons-path", default=str(REPO))
    args = parser.parse_args()

    import odoo  # noqa: PLC0415 (Odoo is only needed when run)
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(
        ["-d", args.database, f"--addons-path={args.addons_path}"]
    )
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", args.login)], limit=1)
        env = env(user=user.id, context={"lang": user.lang or "en_US"})
        print(
            f"{args.database}: {env['product.product'].search_count([])} products, "
            f"{env['sop.plan.line'].search_count([])} plan lines, "
            f"{env['sop.kpi.snapshot'].search_count([])} KPI snapshots, "
            f"{env['sop.accuracy.month'].search_count([])} accuracy months; "
            f"as {args.login}"
        )
        calls = dashboard_calls(env, date.today())
        totals = []
        for run in range(args.repeat):
            env.invalidate_all()
            total = 0.0
            for label, call in calls:
                start = time.perf_counter()
                call()
                elapsed = time.perf_counter() - start
                total += elapsed
                if run == args.repeat - 1:
                    print(f"  {elapsed * 1000:8.1f} ms  {label}")
            totals.append(total)
        print(
            f"total of the {len(calls)} calls: "
            + ", ".join(f"{t:.2f} s" for t in totals)
            + f" (runs 1..{args.repeat}; the browser sends them in parallel)"
        )
        cr.rollback()


if __name__ == "__main__":
    main()
