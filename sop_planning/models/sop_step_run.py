"""Long steps of a cycle in chunks of products, in the request or as jobs.

A step is three methods of ``sop.cycle`` (``STEPS``), or of the model of
``STEP_MODELS`` for a step of a whole company (accuracy actuals, KPI
snapshots: the run has no cycle, its ``params`` go to the prepare):

- *prepare* (whole catalogue) returns the product ids, DataFrames with a
  ``product_id`` column for the chunks, and a dict for the finalize;
- *chunk* does the database work of a subset of products; it is idempotent
  (writes keyed in place), so a retried or repeated chunk doubles nothing;
- *finalize* sums the chunks up and moves the cycle on.

``_sop_run_step`` runs the three in the request when the step has at most
``sop_planning.job_product_threshold`` products (one chunk). Above it, the
button enqueues a prepare job on the OCA queue_job channel ``root.sop`` and
returns at once; that job splits the products into chunk jobs followed by a
finalize job (a job graph: the finalize runs when every chunk is done). A
failing chunk is retried by queue_job (``MAX_RETRIES``, the retry pattern of
``data/queue_job_data.xml``), then reported with its products and reason on
the run and the cycle; the other chunks are kept. Within a chunk (or an
inline run), a product whose own data makes the chunk raise is found by
halving the chunk in savepoints and skipped, its reason posted on the cycle
and logged; the other products are written (``_sop_guarded_chunk``). The
progress of a run (``sop.step.run``) is shown on the cycle; the user is told
on the bus when it ends.
"""

import io
import json
import logging
import re

import numpy as np
import pandas as pd
import psycopg2
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError

from .sop_common import GROUP_EXECUTIVE, GROUP_PLANNER

_logger = logging.getLogger(__name__)

# step -> (prepare, chunk, finalize) methods of sop.cycle
STEPS = {
    "forecast": ("_forecast_prepare", "_forecast_chunk", "_forecast_finalize"),
    "supply": ("_supply_prepare", "_supply_chunk", "_supply_finalize"),
    "approval": ("_approval_prepare", "_approval_chunk", "_approval_finalize"),
    "scoring": ("_scoring_prepare", "_scoring_chunk", "_scoring_finalize"),
    "actuals": ("_actuals_prepare", "_actuals_chunk", "_actuals_finalize"),
    "kpis": ("_kpis_prepare", "_kpis_chunk", "_kpis_finalize"),
}
# steps of a whole company: the model whose methods they are
STEP_MODELS = {"actuals": "sop.accuracy.line", "kpis": "sop.kpi.snapshot"}
STEP_NAMES = [
    ("forecast", "Forecast run"),
    ("supply", "Supply review"),
    ("approval", "Approval"),
    ("scoring", "Scenario scoring"),
    ("actuals", "Accuracy actuals"),
    ("kpis", "KPI snapshots"),
]
# who may start a step (checked again on the server before anything runs)
STEP_GROUPS = {
    "forecast": GROUP_PLANNER,
    "supply": GROUP_PLANNER,
    "approval": GROUP_EXECUTIVE,
    "scoring": GROUP_PLANNER,
    "actuals": GROUP_PLANNER,
    "kpis": GROUP_PLANNER,
}
CHANNEL = "root.sop"
CHUNK_SIZE = 1000  # products per chunk job
CHUNK_CREATE_BATCH = 10  # chunk records (and payloads) created at a time
MAX_RETRIES = 3  # tries of a chunk before it is reported as failed
THRESHOLD_PARAM = "sop_planning.job_product_threshold"
DEFAULT_THRESHOLD = 2000
ACTIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")
RUN_RETENTION_DAYS = 90  # finished runs kept, besides the last of each step
BUSY_RETRY_SECONDS = 300  # a cron's step waiting for a running one tries again
RUNNING_COMPANY_STEP_INDEX = "sop_step_run_one_running_per_company_step"
# errors a product's own data raises (a rule Odoo refuses, a value out of
# range); any other (lost connection, lock, serialization, a worker's time
# limit) is the server's: the chunk is tried again as a whole
DATA_ERRORS = (
    UserError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    ArithmeticError,
    psycopg2.IntegrityError,
    psycopg2.DataError,
)
MAX_SKIPPED = 20  # products skipped per chunk; more: the chunk itself fails
SKIPPED_LISTED = 10  # skipped products named in the cycle's message


class SopStepRun(models.Model):
    _name = "sop.step.run"
    _description = "S&OP Step Run"
    _order = "id desc"

    cycle_id = fields.Many2one(
        "sop.cycle", ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
    )
    step = fields.Selection(STEP_NAMES, required=True, readonly=True)
    mode = fields.Selection(
        [("inline", "In the request"), ("jobs", "Background jobs")],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True
    )
    date_start = fields.Datetime(default=fields.Datetime.now, readonly=True)
    date_end = fields.Datetime(readonly=True)
    product_count = fields.Integer(readonly=True)
    params = fields.Json(readonly=True, help="Arguments of the prepare.")
    info = fields.Json(readonly=True, help="What the finalize needs from the prepare.")
    chunk_ids = fields.One2many("sop.step.chunk", "run_id", readonly=True)
    chunk_count = fields.Integer(compute="_compute_progress")
    chunk_done_count = fields.Integer(compute="_compute_progress")
    product_done_count = fields.Integer(compute="_compute_progress")
    progress = fields.Char(compute="_compute_progress")
    error = fields.Text(readonly=True)

    # a second start of a step waits for the first's transaction, then fails
    _one_running_per_cycle = models.UniqueIndex(
        "(cycle_id) WHERE state = 'running' AND cycle_id IS NOT NULL",
        "A step of this cycle is already running: wait until it ends.",
    )
    _one_running_per_company_step = models.UniqueIndex(
        "(company_id, step) WHERE state = 'running' AND cycle_id IS NULL",
        "This step of the company is already running: wait until it ends.",
    )

    @api.depends("cycle_id")
    def _compute_company_id(self):
        for run in self:
            run.company_id = (
                run.cycle_id.company_id or run.company_id or self.env.company
            )

    @api.depends("chunk_ids.state", "state", "date_start", "date_end")
    def _compute_progress(self):
        now = fields.Datetime.now()
        steps = dict(self._fields["step"]._description_selection(self.env))
        states = dict(self._fields["state"]._description_selection(self.env))
        for run in self:
            done = run.chunk_ids.filtered(lambda c: c.state == "done")
            run.chunk_count = len(run.chunk_ids)
            run.chunk_done_count = len(done)
            run.product_done_count = sum(done.mapped("product_count"))
            elapsed = ((run.date_end or now) - run.date_start).total_seconds()
            step = steps[run.step]
            if run.state != "running":
                run.progress = self.env._(
                    "%(step)s %(state)s in %(elapsed)s",
                    step=step,
                    state=states[run.state].lower(),
                    elapsed=_duration(elapsed),
                )
            elif not run.chunk_ids:
                run.progress = self.env._(
                    "%(step)s: preparing (whole catalogue), %(elapsed)s elapsed",
                    step=step,
                    elapsed=_duration(elapsed),
                )
            else:
                left = run.product_count - run.product_done_count
                rate = run.product_done_count / elapsed if elapsed else 0.0
                run.progress = self.env._(
                    "%(step)s: %(done)s / %(total)s chunks, %(products)s / "
                    "%(all)s products, %(elapsed)s elapsed, %(left)s left",
                    step=step,
                    done=run.chunk_done_count,
                    total=run.chunk_count,
                    products=run.product_done_count,
                    all=run.product_count,
                    elapsed=_duration(elapsed),
                    left=_duration(left / rate) if rate else self.env._("unknown"),
                )

    @api.autovacuum
    def _gc_finished_runs(self):
        """Delete runs that ended over ``RUN_RETENTION_DAYS`` ago, with their
        chunks, but the last run of each step of a cycle or company."""
        last = self._read_group(
            [("state", "!=", "running")],
            ["cycle_id", "company_id", "step"],
            ["id:max"],
        )
        ended_before = fields.Datetime.subtract(
            fields.Datetime.now(), days=RUN_RETENTION_DAYS
        )
        old = self.search(
            [
                ("state", "!=", "running"),
                ("date_end", "<", ended_before),
                ("id", "not in", [run_id for *_group, run_id in last]),
            ]
        )
        _logger.info("S&OP: %s finished step runs deleted", len(old))
        old.unlink()

    # ------------------------------------------------------------------
    # The three parts, in the order they run
    # ------------------------------------------------------------------
    def _sop_methods(self):
        target = self.cycle_id
        if self.step in STEP_MODELS:  # as the buttons did: group checked at start
            target = self._sop_company_target(self.step, self.company_id)
        return [getattr(target, name) for name in STEPS[self.step]]

    @api.model
    def _sop_company_target(self, step, company):
        """The model of a company's ``step``, on ``company``, as superuser."""
        return self.env[STEP_MODELS[step]].sudo().with_company(company)

    def _sop_step_name(self):
        return self._sop_step_label(self.step)

    @api.model
    def _sop_step_label(self, step):
        return dict(self._fields["step"]._description_selection(self.env))[step]

    def _sop_label(self):
        """The cycle's name, or the company's for a step of a whole company."""
        return self.cycle_id.name or self.company_id.name

    @api.depends("step", "cycle_id.name", "company_id.name")
    def _compute_display_name(self):
        for run in self:
            run.display_name = run._sop_job_name() if run.step else False

    def _sop_job_name(self):
        """The step and what it runs on ("Forecast run, S&OP/2027-01/003"),
        as the queue's jobs and the run are named."""
        return self.env._(
            "%(step)s, %(target)s", step=self._sop_step_name(), target=self._sop_label()
        )

    @api.model
    def _sop_threshold(self):
        """Products (x evaluations) above which a step runs as jobs; the
        default, logged, when the system parameter is no whole number of
        0 or more (typed by hand: "2 000")."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(THRESHOLD_PARAM, DEFAULT_THRESHOLD)
        )
        try:
            threshold = int(str(value).replace(" ", "").replace("_", ""))
        except ValueError:
            threshold = -1
        if threshold < 0:
            _logger.warning(
                "S&OP: system parameter %s is %r, not a number of products of "
                "0 or more: %s is used",
                THRESHOLD_PARAM,
                value,
                DEFAULT_THRESHOLD,
            )
            return DEFAULT_THRESHOLD
        return threshold

    @api.model
    def _sop_start(
        self, step, size, cycle=None, company=None, params=None, per=1, capped=False
    ):
        """Run ``step`` of ``size`` products: inline when ``size`` x ``per``
        (the evaluations per product, e.g. scenarios scored) is at most the
        threshold, else as jobs. ``capped``: ``size`` is a count stopped past
        the threshold. Return True, or the notification that it started in
        the background."""
        threshold = self._sop_threshold()
        mode = "jobs" if size * per > threshold else "inline"
        vals = {"step": step, "mode": mode, "params": params or {}}
        if cycle:
            vals["cycle_id"] = cycle.id
        else:
            vals["company_id"] = company.id
        # a run that just ended in this transaction is no longer running
        self.flush_model(["state"])
        run = self.sudo().create(vals).sudo(False)
        if mode == "inline":
            return run._sop_run_inline()
        run._sop_enqueue()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": run._sop_label(),
                "message": self.env._(
                    "%(step)s of %(count)s products started in the background; "
                    "you will be told when it ends.",
                    step=run._sop_step_name(),
                    count=size,
                )
                if not capped
                else self.env._(
                    "%(step)s of more than %(count)s products started in the "
                    "background; you will be told when it ends.",
                    step=run._sop_step_name(),
                    count=threshold,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _sop_start_company_steps(self, step, companies, params=None):
        """Start ``step`` for each of ``companies``; return the company's
        notice (in the background, nothing to do), the notices of several
        companies in one, or a reload where every company ran it inline."""
        results = [
            self._sop_start_company_step(step, company, params) for company in companies
        ]
        notices = [result["params"] for result in results if isinstance(result, dict)]
        if not notices:
            return {"type": "ir.actions.client", "tag": "soft_reload"}
        if len(results) == 1:
            return results[0]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self._sop_step_label(step),
                "message": "\n".join(
                    f"{notice['title']}: {notice['message']}" for notice in notices
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _sop_start_company_step(self, step, company, params=None):
        """Start ``step`` of ``STEP_MODELS`` for ``company``; refused to a
        user without its group and while the same step of the company runs.
        A company with nothing to do is told so, and no run is made."""
        self.env["sop.cycle"]._check_group(
            STEP_GROUPS[step],
            self.env._("start: %s", self._sop_step_label(step)),
        )
        running = self._sop_running_company_step(step, company)
        if running:
            raise UserError(
                self.env._(
                    "%(company)s is busy: %(progress)s. Wait until it ends.",
                    company=company.name,
                    progress=running[0].progress,
                )
            )
        size, capped = self._sop_company_step_size(step, company, params)
        if not size:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "title": company.name,
                    "message": self.env._(
                        "%(step)s: nothing to do, no product to measure.",
                        step=self._sop_step_label(step),
                    ),
                },
            }
        return self._sop_start(
            step, size, company=company, params=params, capped=capped
        )

    @api.model
    def _sop_running_company_step(self, step, company):
        """The running run of ``step`` of ``company`` (one left running by a
        stopped server is failed first)."""
        runs = self.sudo().search(
            [
                ("step", "=", step),
                ("company_id", "=", company.id),
                ("state", "=", "running"),
            ]
        )
        runs._sop_check_interrupted()
        return runs.filtered(lambda r: r.state == "running")

    @api.model
    def _sop_company_step_size(self, step, company, params=None):
        """``(size, capped)``: the products of ``step`` of ``company``,
        counted by a cheap query that stops past the threshold."""
        limit = self._sop_threshold() + 1
        target = self._sop_company_target(step, company)
        size = getattr(target, f"_{step}_size")(limit=limit, **(params or {}))
        return size, size >= limit

    @api.model
    def _sop_cron_company_step(self, step, company, params=None):
        """Cron: start ``step`` of ``company`` as superuser, losing no work.

        Nothing to do: a log line, no run. The step already running (a
        planner started it): a job starts it once that run has ended.
        """
        if not self._sop_try_company_step(step, company, params):
            self.browse().delayable(
                channel=CHANNEL,
                identity_key=(
                    f"sop.company.step:{company.id}:{step}:"
                    f"{json.dumps(params or {}, sort_keys=True)}"
                ),
                description=self.env._(
                    "S&OP %(company)s: %(step)s once the running one ends",
                    company=company.name,
                    step=self._sop_step_label(step),
                ),
            )._sop_job_start_company_step(step, company, params).delay()
            _logger.info(
                "S&OP %s of %s is running: started again when it ends",
                step,
                company.name,
            )

    @api.model
    def _sop_job_start_company_step(self, step, company, params=None):
        """Job: a cron's ``step`` of ``company``, once the running one ends
        (tried again every ``BUSY_RETRY_SECONDS``, not counted as a failure)."""
        if not self._sop_try_company_step(step, company, params):
            raise RetryableJobError(
                self.env._("The same step of the company is running."),
                seconds=BUSY_RETRY_SECONDS,
                ignore_retry=True,
            )
        return "started"

    @api.model
    def _sop_try_company_step(self, step, company, params=None):
        """Start ``step`` of ``company`` as superuser, or log that it has
        nothing to do; False when the step of the company is running."""
        Run = self.sudo()
        if Run._sop_running_company_step(step, company):
            return False
        size, capped = Run._sop_company_step_size(step, company, params)
        if not size:
            _logger.info("S&OP %s of %s: nothing to do, no run", step, company.name)
            return True
        try:
            with self.env.cr.savepoint():
                Run._sop_start(
                    step, size, company=company, params=params, capped=capped
                )
        except UniqueViolation as exc:  # a planner started it meanwhile
            if exc.diag.constraint_name != RUNNING_COMPANY_STEP_INDEX:
                raise
            return False
        return True

    def _sop_run_inline(self):
        """Prepare, one chunk of every product, finalize: in this request."""
        self.ensure_one()
        prepare, chunk, finalize = self._sop_methods()
        try:
            with self.env.cr.savepoint():
                product_ids, frames, info = prepare(**(self.params or {}))
        except UserError:
            raise
        except DATA_ERRORS as exc:  # a database error told as the step's reason
            raise UserError(
                self.env._(
                    "%(step)s failed: %(reason)s",
                    step=self._sop_step_name(),
                    reason=_error_text(exc),
                )
            ) from exc
        counts, skipped = self._sop_guarded_chunk(chunk, product_ids, frames)
        self.env["sop.step.chunk"].sudo().create(
            {
                "run_id": self.id,
                "product_ids": product_ids,
                "product_count": len(product_ids),
                "state": "done",
                "counts": counts,
                "skipped": skipped,
                "date_done": fields.Datetime.now(),
            }
        )
        finalize(counts, info)
        self.sudo().write(
            {
                "state": "done",
                "date_end": fields.Datetime.now(),
                "info": info,
                "product_count": len(product_ids),
            }
        )
        self._sop_report_skipped()
        return True

    def _sop_guarded_chunk(self, chunk, product_ids, frames):
        """Run ``chunk`` on ``product_ids``; return (counts, skipped).

        When it raises for a reason of the data (``DATA_ERRORS``), its
        products are halved, each half run in its own savepoint, down to the
        products that raise alone: those are skipped, ``skipped`` maps their
        id to the reason, and the others are written. Past ``MAX_SKIPPED``
        products, or when every product raises (the error is not a
        product's), the error is raised: the chunk fails as a whole.
        """
        errors = {}
        counts = self._sop_chunk_part(chunk, list(product_ids), frames, errors)
        if errors and len(errors) == len(product_ids):
            raise next(iter(errors.values()))
        for product_id, exc in errors.items():
            _logger.warning(
                "S&OP %s: product %s (id %s) skipped: %s",
                self._sop_job_name(),
                self.env["product.product"].sudo().browse(product_id).display_name,
                product_id,
                _error_text(exc),
            )
        skipped = {
            str(product_id): _error_text(exc) for product_id, exc in errors.items()
        }
        return counts, skipped

    def _sop_chunk_part(self, chunk, product_ids, frames, errors):
        try:
            with self.env.cr.savepoint():
                return chunk(product_ids, frames) or {}
        except DATA_ERRORS as exc:
            if len(product_ids) == 1 and len(errors) < MAX_SKIPPED:
                errors[product_ids[0]] = exc
                return {}
            if len(product_ids) == 1:
                raise
            error = exc
        _logger.info(
            "S&OP %s: %s products raised (%s): halved to find which",
            self._sop_step_name(),
            len(product_ids),
            _error_text(error),
        )
        middle = len(product_ids) // 2
        counts = {}
        for part in (product_ids[:middle], product_ids[middle:]):
            part_counts = self._sop_chunk_part(
                chunk, part, _frames_of(frames, part), errors
            )
            for key, value in part_counts.items():
                counts[key] = counts.get(key, 0) + value
        return counts

    def _sop_report_skipped(self):
        """Post the products the run skipped, and why, on the cycle."""
        self.ensure_one()
        skipped = {}
        for chunk in self.chunk_ids:
            skipped.update(chunk.skipped or {})
        if not skipped or not self.cycle_id:  # a company's step: logged only
            return
        # named even to a user the product's company hides it from
        products = (
            self.env["product.product"]
            .sudo()
            .browse([int(product_id) for product_id in skipped])
        )
        listed = "; ".join(
            f"{product.display_name}: {skipped[str(product.id)]}"
            for product in products[:SKIPPED_LISTED]
        )
        if len(products) > SKIPPED_LISTED:
            listed += self.env._(" and %s more", len(products) - SKIPPED_LISTED)
        self.cycle_id.sudo().message_post(
            body=self.env._(
                "%(step)s: %(count)s product(s) skipped, their former figures "
                "kept (mend them and run the step again): %(products)s",
                step=self._sop_step_name(),
                count=len(products),
                products=listed,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _sop_enqueue(self):
        """Enqueue the prepare job of this run (the button's only work)."""
        self.ensure_one()
        self.delayable(
            channel=CHANNEL,
            max_retries=MAX_RETRIES,
            identity_key=self._sop_identity("prepare"),
            description=self.env._("%s: prepare", self._sop_job_name()),
        )._sop_job_prepare().delay()
        return True

    def _sop_job_prepare(self):
        """Job: prepare the step, then enqueue its chunks and the finalize."""
        self.ensure_one()
        if self.state != "running" or self.chunk_ids:
            return "nothing to do: the run is over or prepared"
        prepare = self._sop_methods()[0]
        try:
            with self.env.cr.savepoint():
                product_ids, frames, info = prepare(**(self.params or {}))
        except DATA_ERRORS as exc:  # the data's or the user's: told at once,
            # not retried (a value out of range raises the same three times)
            self._sop_fail(_error_text(exc))
            return "failed"
        except Exception as exc:  # noqa: BLE001 - queue_job retries, then reports
            raise RetryableJobError(str(exc) or type(exc).__name__) from exc
        chunks = self._sop_create_chunks(product_ids, frames)
        self.sudo().write({"info": info, "product_count": len(product_ids)})
        name = self._sop_job_name()
        chunk_jobs = [
            chunk.delayable(
                channel=CHANNEL,
                max_retries=MAX_RETRIES,
                identity_key=self._sop_identity(f"chunk:{chunk.id}"),
                description=self.env._(
                    "%(run)s: chunk %(chunk)s of %(total)s",
                    run=name,
                    chunk=chunk.sequence,
                    total=len(chunks),
                ),
            )._sop_job_run_chunk()
            for chunk in chunks
        ]
        finalize_job = self.delayable(
            channel=CHANNEL,
            max_retries=MAX_RETRIES,
            identity_key=self._sop_identity("finalize"),
            description=self.env._("%s: finalize", name),
        )._sop_job_finalize()
        if chunk_jobs:
            group(*chunk_jobs).on_done(finalize_job).delay()
        else:  # a group without jobs would never run its on_done
            finalize_job.delay()
        return f"{len(chunks)} chunk(s) of {len(product_ids)} product(s)"

    def _sop_create_chunks(self, product_ids, frames):
        """One chunk record per ``CHUNK_SIZE`` products, with its frames.

        Each frame is split once; the payloads are written a few chunks at a
        time, so that they are never all in memory at once.
        """
        product_ids = sorted(product_ids)
        parts = {
            name: _split_by_chunk(frame, product_ids) for name, frame in frames.items()
        }
        Chunk = self.env["sop.step.chunk"].sudo()
        chunks, vals_list = Chunk, []
        for sequence, start in enumerate(range(0, len(product_ids), CHUNK_SIZE), 1):
            ids = product_ids[start : start + CHUNK_SIZE]
            part = {name: split(sequence - 1) for name, split in parts.items()}
            vals_list.append(
                {
                    "run_id": self.id,
                    "sequence": sequence,
                    "product_ids": ids,
                    "product_count": len(ids),
                    "payload": _frames_to_json(part),
                }
            )
            last = start + CHUNK_SIZE >= len(product_ids)
            if len(vals_list) == CHUNK_CREATE_BATCH or last:
                batch = Chunk.create(vals_list)
                batch.invalidate_recordset(["payload"])
                chunks, vals_list = chunks | batch, []
        return chunks.sudo(False)

    def _sop_job_finalize(self):
        """Job: finalize the step once every chunk is done."""
        self.ensure_one()
        if self.state != "running":
            return "nothing to do: the run is over"
        if any(chunk.state != "done" for chunk in self.chunk_ids):
            self._sop_fail(self.env._("Some chunks did not finish."))
            return "failed"
        counts = {}
        for chunk in self.chunk_ids:
            for key, value in (chunk.counts or {}).items():
                counts[key] = counts.get(key, 0) + value
        finalize = self._sop_methods()[2]
        try:
            with self.env.cr.savepoint():
                finalize(counts, self.info or {})
        except UserError as exc:  # the user's to mend: told at once, not retried
            self._sop_fail(str(exc))
            return "failed"
        except Exception as exc:  # noqa: BLE001 - queue_job retries, then reports
            raise RetryableJobError(str(exc) or type(exc).__name__) from exc
        self.sudo().write({"state": "done", "date_end": fields.Datetime.now()})
        self.chunk_ids.sudo().payload = False
        self._sop_report_skipped()
        self._sop_notify()
        return "done"

    # ------------------------------------------------------------------
    # End, failure, interruption
    # ------------------------------------------------------------------
    def _sop_on_job_failed(self, exc_name=None, exc_message=None, exc_info=None):
        """queue_job's failure hook of the prepare and finalize jobs."""
        self.ensure_one()
        if self.state == "running":
            self._sop_fail(
                self.env._(
                    "failed after %(tries)s tries: %(reason)s",
                    tries=MAX_RETRIES,
                    reason=_job_reason(exc_name, exc_message),
                )
            )

    def _sop_identity(self, part):
        return f"sop.step.run:{self.id}:{part}"

    def _sop_jobs(self):
        """The queue jobs of this run (prepare, chunks, finalize)."""
        return (
            self.env["queue.job"]
            .sudo()
            .search([("identity_key", "=like", self._sop_identity("%"))])
        )

    def _sop_fail(self, reason):
        """Mark the run failed with ``reason``; post it on the cycle; notify."""
        self.ensure_one()
        self.sudo().write(
            {"state": "failed", "date_end": fields.Datetime.now(), "error": reason}
        )
        self.chunk_ids.sudo().payload = False
        if self.cycle_id:  # a company's step has no chatter
            body = self.env._(
                "%(step)s failed: %(reason)s",
                step=self._sop_step_name(),
                reason=reason,
            )
            if self.step == "approval" and self.cycle_id.state == "approved":
                body += " " + self.env._(
                    "The plan is approved, but not all its policies, rules "
                    "and ledger rows are written: press Finish Approval."
                )
            self.cycle_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
        self._sop_jobs().filtered(
            lambda job: job.state in ("wait_dependencies", "pending")
        ).button_cancelled()
        self._sop_notify()

    def _sop_fail_if_chunks_failed(self):
        """Once no chunk is pending, a failed chunk fails the run (its finalize
        waits for ever on it)."""
        for run in self.filtered(lambda r: r.state == "running" and r.chunk_ids):
            states = run.chunk_ids.mapped("state")
            if "failed" in states and "pending" not in states:
                failed = run.chunk_ids.filtered(lambda c: c.state == "failed")
                run._sop_fail("\n".join(failed.mapped("error")))

    def _sop_check_interrupted(self):
        """A job run with no job left in the queue is over: mark it failed.

        queue_job requeues the jobs of a server that died; when none is left
        (cancelled, deleted or failed outside the chunk hook), the run would
        otherwise stay running for ever. Told in the language of the user who
        started it (the cron runs in English).
        """
        self._sop_fail_if_chunks_failed()
        for run in self.filtered(lambda r: r.state == "running" and r.mode == "jobs"):
            if not run._sop_jobs().filtered(lambda j: j.state in ACTIVE_JOB_STATES):
                run = run.with_context(lang=run.user_id.lang or run.env.lang)
                run._sop_fail(
                    run.env._(
                        "interrupted: none of its jobs is left in the queue "
                        "(stopped server, or jobs cancelled)."
                    )
                )

    def _sop_notify(self):
        """Tell the user who started the run that it ended (bus)."""
        self.ensure_one()
        failed = self.state == "failed"
        self.user_id._bus_send(
            "simple_notification",
            {
                "type": "danger" if failed else "success",
                "sticky": failed,
                "title": self._sop_label(),
                "message": self.progress
                + (f": {self.error}" if failed and self.error else ""),
            },
        )


class SopStepChunk(models.Model):
    _name = "sop.step.chunk"
    _description = "S&OP Step Chunk"
    _order = "run_id, sequence"

    run_id = fields.Many2one(
        "sop.step.run", required=True, ondelete="cascade", index=True, readonly=True
    )
    sequence = fields.Integer(readonly=True)
    product_ids = fields.Json(readonly=True)
    product_count = fields.Integer(readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
    )
    counts = fields.Json(readonly=True)
    skipped = fields.Json(
        readonly=True, help="Products skipped by the chunk: their id and why."
    )
    error = fields.Text(readonly=True)
    date_done = fields.Datetime(readonly=True)
    payload = fields.Text(
        readonly=True,
        groups="base.group_system",
        prefetch=False,  # MBs per chunk: read only where it is used
        help="The chunk's part of the prepare's frames (a line of JSON each), "
        "until it is done.",
    )

    def init(self):
        """Payloads are written once and read once: compressed with LZ4 where
        PostgreSQL has it, about five times faster than its default (pglz)."""
        self.env.cr.execute(
            SQL(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        )
        row = self.env.cr.fetchone()
        if row and row[0]:
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s ALTER COLUMN payload SET COMPRESSION lz4",
                    SQL.identifier(self._table),
                )
            )

    def _sop_job_run_chunk(self):
        """Job: the chunk's database work; a raising chunk is retried."""
        self.ensure_one()
        run = self.run_id
        if self.state == "failed" and run.state != "running":
            # requeued by hand: the run ended and dropped the chunk's data
            raise UserError(
                self.env._(
                    "%(run)s failed and no longer holds this chunk's data: "
                    "start %(step)s again from %(target)s.",
                    run=run._sop_job_name(),
                    step=run._sop_step_name(),
                    target=run._sop_label(),
                )
            )
        if self.state == "done" or run.state != "running":
            return "nothing to do: the chunk or its run is over"
        frames = _frames_from_json(self.sudo().payload)
        chunk = run._sop_methods()[1]
        try:
            counts, skipped = run._sop_guarded_chunk(chunk, self.product_ids, frames)
        except Exception as exc:  # noqa: BLE001 - queue_job retries, then reports
            raise RetryableJobError(_error_text(exc)) from exc
        self.sudo().write(
            {
                "state": "done",
                "counts": counts,
                "skipped": skipped,
                "date_done": fields.Datetime.now(),
            }
        )
        run._sop_fail_if_chunks_failed()
        return f"{self.product_count} product(s)"

    def _sop_on_job_failed(self, exc_name=None, exc_message=None, exc_info=None):
        """queue_job's failure hook: report the chunk, its products, the reason.

        The other chunks keep what they wrote; the run fails once no chunk is
        pending any more.
        """
        self.ensure_one()
        if self.state == "failed":  # requeued by hand after its run: told so
            return
        products = self.env["product.product"].sudo().browse(self.product_ids).exists()
        names = ", ".join(products[:10].mapped("display_name"))
        if len(products) > 10:
            names += self.env._(" and %s more", len(products) - 10)
        error = self.env._(
            "chunk %(chunk)s (%(count)s products: %(names)s) failed after "
            "%(tries)s tries: %(reason)s",
            chunk=self.sequence,
            count=self.product_count,
            names=names,
            tries=MAX_RETRIES,
            reason=_job_reason(exc_name, exc_message),
        )
        self.sudo().write({"state": "failed", "error": error})
        _logger.warning("S&OP %s: %s", self.run_id._sop_label(), error)
        self.run_id._sop_fail_if_chunks_failed()


def _duration(seconds):
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


def _error_text(exc):
    """The reason of ``exc`` for a user: a database error's first line, without
    PostgreSQL's DETAIL and CONTEXT."""
    if isinstance(exc, psycopg2.Error) and exc.diag.message_primary:
        return exc.diag.message_primary
    text = str(exc.args[0]) if exc.args else ""
    return text.strip() or type(exc).__name__


def _frames_of(frames, product_ids):
    """The rows of ``frames`` of ``product_ids`` (frames without a
    ``product_id`` column whole)."""
    wanted = list(product_ids)
    return {
        name: frame[frame["product_id"].isin(wanted)]
        if "product_id" in frame
        else frame
        for name, frame in frames.items()
    }


def _split_by_chunk(frame, product_ids):
    """Return ``part(k)``: the rows of ``frame`` whose product is in the k-th
    ``CHUNK_SIZE`` of the sorted ``product_ids``, in their order (the whole
    frame when it has no ``product_id`` column)."""
    if "product_id" not in frame:
        return lambda index: frame
    groups = {}
    if len(product_ids) and not frame.empty:
        sorted_ids = np.asarray(product_ids)
        products = frame["product_id"].to_numpy()
        position = np.searchsorted(sorted_ids, products).clip(max=len(sorted_ids) - 1)
        known = sorted_ids[position] == products
        groups = dict(iter(frame[known].groupby(position[known] // CHUNK_SIZE)))
    return lambda index: groups.get(index, frame.iloc[:0])


def _frames_to_json(frames):
    """One line per frame: its name, a tab, the frame as JSON (no JSON string
    around it: escaping megabytes of JSON again cost a third of the time)."""
    return "\n".join(
        name
        + "\t"
        + frame.to_json(
            orient="table", index=False, date_format="iso", double_precision=15
        )
        for name, frame in frames.items()
    )


def _frames_from_json(payload):
    lines = (payload or "").split("\n")
    return {
        name: pd.read_json(io.StringIO(text), orient="table")
        for name, text in (line.split("\t", 1) for line in lines if line)
    }


def _job_reason(exc_name, exc_message):
    """queue_job's failure message without its own English prefix ("Max.
    retries (3) reached: "): the tries are told in the user's words."""
    reason = exc_message or exc_name or ""
    return re.sub(r"^Max\. retries \(\d+\) reached: ", "", reason)
