"""Databases of the Odoo benchmarks: build once from a template, reuse."""

import resource
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def rss_mb():
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database_exists(name):
    out = subprocess.run(
        [
            "psql",
            "-d",
            "postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() == "1"


def copy_database(db, template):
    """Replace ``db`` by a copy of ``template``."""
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-T", template, db], check=True)


@contextmanager
def copy_environment(copy, template):
    """Copy ``template`` to ``copy`` and yield a superuser environment on the
    copy (committed at the end); its registry and connections are closed
    after, so that a server can serve the copy and ``dropdb`` drop it."""
    from odoo.api import SUPERUSER_ID, Environment  # noqa: PLC0415 - needs Odoo
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.sql_db import close_db  # noqa: PLC0415

    close_db(template)  # createdb -T needs the template without sessions
    copy_database(copy, template)
    try:
        with Registry(copy).cursor() as cr:
            yield Environment(cr, SUPERUSER_ID, {})
    finally:
        Registry.delete(copy)
        close_db(copy)


def create_database(db, template):
    """Copy ``template`` to ``db`` and install the add-on on it."""
    copy_database(db, template)
    install(db, "-i")


def install(db, mode):
    """Install (``-i``) or update (``-u``) the add-on in ``db``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-d",
            db,
            f"--addons-path={REPO}",
            mode,
            "sop_planning",
            "--stop-after-init",
            "--http-interface=127.0.0.1",
            "--http-port=0",
            "--workers=0",
            "--max-cron-threads=0",
            "--log-level=warn",
        ],
        check=True,
    )


def open_registry(db):
    """Configure Odoo for ``db`` in this process and return its registry."""
    import odoo  # noqa: PLC0415 - needs Odoo, only here
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(
        [
            f"--addons-path={REPO}",
            "-d",
            db,
            "--log-level=warn",
            "--http-interface=127.0.0.1",
        ]
    )
    return Registry(db)


def prepare_database(args):
    """Build ``args.db`` from ``args.template`` if needed (or ``--rebuild``),
    else update the add-on in it; return ``(registry, fresh)``."""
    fresh = args.rebuild or not database_exists(args.db)
    if fresh:
        print(f"building {args.db} from {args.template}")
        create_database(args.db, args.template)
    else:
        install(args.db, "-u")  # the add-on's code may have changed since
    return open_registry(args.db), fresh


def clone_products(env, prototype, count, name_format, list_price, standard_price):
    """``count`` products copied from ``prototype`` by SQL, in bulk.

    The prototype's template and variant rows are copied ``count`` times;
    ``name_format`` (SQL ``format()`` of the number ``g``, 1 to ``count``,
    as 6 digits) names them, ``list_price`` and ``standard_price`` are SQL
    expressions of ``g``.
    Returns the new variants' ids in the order of ``g``.
    """
    cr = env.cr
    env.flush_all()
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'product_template' AND column_name NOT IN "
        "('id', 'name', 'list_price')"
    )
    columns = [row[0] for row in cr.fetchall()]
    # the template rows, numbered by g in their id order
    cr.execute(
        f"""
        INSERT INTO product_template ({", ".join(columns)}, name, list_price)
        SELECT {", ".join("t." + c for c in columns)},
               jsonb_build_object('en_US', format(%s, lpad(g::text, 6, '0'))),
               {list_price}
          FROM product_template t, generate_series(1, %s) g
         WHERE t.id = %s
         ORDER BY g
        RETURNING id
        """,
        (name_format, count, prototype.product_tmpl_id.id),
    )
    template_ids = sorted(row[0] for row in cr.fetchall())
    company = str(env.company.id)
    cr.execute(
        f"""
        INSERT INTO product_product (product_tmpl_id, active, standard_price,
               combination_indices, create_uid, write_uid, create_date, write_date)
        SELECT t.id, true, jsonb_build_object(%s, {standard_price}), '',
               %s, %s, now(), now()
          FROM unnest(%s::int[]) WITH ORDINALITY AS t(id, n)
          CROSS JOIN LATERAL (SELECT t.n::int AS g) number
         ORDER BY t.n
        RETURNING id
        """,
        (company, env.uid, env.uid, template_ids),
    )
    product_ids = sorted(row[0] for row in cr.fetchall())
    env.invalidate_all()
    return env["product.product"].browse(product_ids)
