"""``observer scheduler``: collectors and checks on cron schedules, one active scheduler per store.

Wiring only. Every ``sources:`` and ``checks:`` entry with a ``schedule:`` (a cron expression, UTC)
becomes an APScheduler job kept in the metadata store (``scheduler_jobs``), so jobs and their next run
times survive restarts. A missed run (the scheduler was down, or busy) still runs once when it comes
back within ``misfire_grace`` — several missed runs are coalesced into one. An alerting round runs
every minute when alerting is installed, turning new check results into incidents and delivering them.

Several schedulers may be started against one store (two replicas, a stray second process): they
compete for a lease (``scheduler_leases``); the holder runs jobs and renews the lease, the others
stand by and take over when it lapses. A check that cannot run is stored as ``error`` results by the
check runner, never as a pass.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from observer.config import Settings, load_config
from observer.errors import ConfigError
from observer.store import Store, open_store
from observer.store.leases import acquire_lease, release_lease

log = logging.getLogger(__name__)
LEASE = "scheduler"
LEASE_TTL = timedelta(seconds=60)
RENEW_EVERY = 15.0
ALERTING_JOB = "alerting"


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: str  # ingest | check | alerting
    name: str
    cron: str


def job_specs(settings: Settings) -> list[JobSpec]:
    """The scheduled jobs the configuration asks for (entries without ``schedule:`` are manual)."""
    specs = []
    for kind, entries in (("ingest", settings.sources), ("check", settings.checks)):
        for entry in entries:
            if not entry.schedule:
                continue
            try:
                CronTrigger.from_crontab(entry.schedule, timezone=UTC)
            except ValueError as exc:
                section = "sources" if kind == "ingest" else "checks"
                raise ConfigError(
                    f"schedule {entry.schedule!r} is not a cron expression ({exc})",
                    path=f"{section}[{entry.label}].schedule",
                ) from None
            specs.append(JobSpec(f"{kind}:{entry.label}", kind, entry.label, entry.schedule))
    return specs


def _settings(config_path: str | None) -> Settings:
    return load_config(config_path) if config_path else load_config()


def run_check_job(config_path: str | None, name: str) -> None:
    """Scheduled job: one configured check. Module-level so the job store can persist a reference."""
    from observer.checking import run_checks

    settings = _settings(config_path)
    store = open_store(settings.store_url)
    try:
        run = run_checks(settings, store, datetime.now(UTC), only=[name])
        log.info(
            "check %s: %d results (%d new), %d errors", name, len(run.results), run.stored, len(run.errors)
        )
    finally:
        store.dispose()


def run_ingest_job(config_path: str | None, name: str) -> None:
    from observer.ingest import run_ingest

    settings = _settings(config_path)
    store = open_store(settings.store_url)
    try:
        for outcome in run_ingest(settings, store, only=[name]):
            log.info(
                "source %s: %d read, %d written%s",
                outcome.source,
                outcome.report.rows_read,
                outcome.report.rows_written,
                f", failed: {outcome.error}" if outcome.error else "",
            )
    finally:
        store.dispose()


def run_alerting_job(config_path: str | None) -> None:
    try:
        from alerting.jobs import run_alerting
    except ImportError:  # alerting not installed: nothing to do
        return
    settings = _settings(config_path)
    store = open_store(settings.store_url)
    try:
        run_alerting(store, settings, datetime.now(UTC))
    finally:
        store.dispose()


_FUNCS: dict[str, Callable[..., None]] = {"check": run_check_job, "ingest": run_ingest_job}


class Scheduler:
    """A lease-holding APScheduler. :meth:`step` is one lease round; :meth:`run` loops until stopped."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        config_path: str | Path | None = None,
        holder: str | None = None,
        misfire_grace: timedelta = timedelta(hours=1),
        alerting_every: timedelta | None = timedelta(minutes=1),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings, self.store = settings, store
        self.config_path = str(config_path) if config_path else None
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.misfire_grace = misfire_grace
        self.alerting_every = alerting_every
        self.clock = clock
        self.specs = job_specs(settings)
        self._aps: BackgroundScheduler | None = None
        self._stop = threading.Event()

    @property
    def active(self) -> bool:
        return self._aps is not None

    def _start(self) -> None:
        aps = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.store.engine, tablename="scheduler_jobs")},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(self.misfire_grace.total_seconds()),
            },
            timezone=UTC,
        )
        aps.start(paused=True)
        wanted = {s.id for s in self.specs}
        for job in aps.get_jobs():
            if job.id not in wanted and job.id != ALERTING_JOB:
                job.remove()  # no longer configured
        existing = {job.id: job for job in aps.get_jobs()}
        for spec in self.specs:
            trigger = CronTrigger.from_crontab(spec.cron, timezone=UTC)
            kept = existing.get(spec.id)
            if (
                kept is not None
                and str(kept.trigger) == str(trigger)
                and list(kept.args) == [self.config_path, spec.name]
            ):
                continue  # keep its persisted next run time: a run missed while down still happens (misfire)
            aps.add_job(
                _FUNCS[spec.kind],
                trigger,
                id=spec.id,
                name=f"{spec.kind} {spec.name}",
                args=[self.config_path, spec.name],
                replace_existing=True,
            )
        if self.alerting_every is not None:
            from apscheduler.triggers.interval import IntervalTrigger

            aps.add_job(
                run_alerting_job,
                IntervalTrigger(seconds=int(self.alerting_every.total_seconds()), timezone=UTC),
                id=ALERTING_JOB,
                name="alerting round",
                args=[self.config_path],
                replace_existing=True,
            )
        aps.resume()
        self._aps = aps
        log.info("scheduler %s is active with %d jobs", self.holder, len(self.specs))

    def _halt(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
            log.info("scheduler %s stood down", self.holder)

    def step(self) -> bool:
        """Acquire or renew the lease; start jobs when it is won, stop them when it is lost."""
        with self.store.transaction() as conn:
            leader = acquire_lease(conn, LEASE, self.holder, self.clock(), LEASE_TTL)
        if leader and not self.active:
            self._start()
        elif not leader and self.active:
            self._halt()
        return leader

    def run(self, *, until: Callable[[], bool] = lambda: False) -> None:
        try:
            while not self._stop.is_set() and not until():
                try:
                    self.step()
                except Exception as exc:  # noqa: BLE001 - a store hiccup: stand down, retry next round
                    log.error("scheduler lease round failed: %s", exc)
                    self._halt()
                self._stop.wait(RENEW_EVERY)
        finally:
            self.stop()

    def stop(self) -> None:
        self._stop.set()
        was_active = self.active
        self._halt()
        if was_active:
            with self.store.transaction() as conn:
                release_lease(conn, LEASE, self.holder)

    def next_runs(self) -> dict[str, datetime | None]:
        if self._aps is None:
            return {}
        return {job.id: job.next_run_time for job in self._aps.get_jobs()}
