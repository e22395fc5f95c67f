"""Job runner for checks: config → plugin → results → store.

The composition root for ``checks:`` entries. Each configured check runs in isolation: a check that
cannot run (warehouse unreachable, bad SQL, a bug) yields ``error`` results — on every asset it last
reported on, so an open incident is never resolved by a check that did not run — and the other checks
still run. An error is never a pass.

Other stages call :func:`run_checks`::

    run = run_checks(settings, store, now)           # every configured check
    run = run_checks(settings, store, now, only=["raw-freshness"])
    run.results   # list[CheckResult], also stored (idempotently, keyed by check + asset + run_key)
    run.errors    # list[CheckError]: checks that could not run, with the reason
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from observer import plugins
from observer.config import PluginEntry, Settings
from observer.errors import ConfigError, PluginNotFound
from observer.model import CheckResult, CheckStatus, Severity
from observer.plugins import RunContext
from observer.store import Store
from observer.store.check_results import latest_results, record_check_results

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckError:
    check: str
    message: str


@dataclass
class CheckRun:
    results: list[CheckResult] = field(default_factory=list)
    errors: list[CheckError] = field(default_factory=list)
    stored: int = 0
    """Results that were new to the store (re-running on unchanged input stores nothing)."""

    @property
    def failed(self) -> bool:
        """Whether anything needs attention: a failure, an error, or a check that could not run."""
        return bool(self.errors) or any(
            r.status in (CheckStatus.FAIL, CheckStatus.ERROR) for r in self.results
        )


def build_check(entry: PluginEntry) -> plugins.Check:
    """Instantiate the check for one ``checks:`` entry, validating its options."""
    cls = plugins.checks.get(entry.type)
    try:
        config = cls.config_model(**entry.options)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ConfigError(
            err["msg"], path=f"checks[{entry.label}].{loc}" if loc else f"checks[{entry.label}]"
        ) from None
    return cls(config, entry.label)


def select_entries(settings: Settings, only: Sequence[str] | None) -> list[PluginEntry]:
    entries = [e for e in settings.checks if not only or e.label in only or e.type in only]
    if only:
        known = {e.label for e in settings.checks} | {e.type for e in settings.checks}
        missing = [name for name in only if name not in known]
        if missing:
            raise ConfigError(
                f"no check named {', '.join(missing)}; configured: {', '.join(sorted(known)) or 'none'}"
            )
    return entries


def _error_results(store: Store, entry: PluginEntry, message: str, now: datetime) -> list[CheckResult]:
    with store.read() as conn:
        previous = latest_results(conn, check=entry.label)
    return [
        CheckResult(
            check=entry.label,
            check_type=entry.type,
            asset=r.asset,
            status=CheckStatus.ERROR,
            evaluated_at=now,
            message=f"check could not run: {message}",
            severity=Severity.HIGH,
            run_key=f"error@{now.isoformat()}",
        )
        for r in previous
    ]


def _progress_for(
    progress: Callable[[str, int, int | None], None], name: str
) -> Callable[[int, int | None], None]:
    def report(done: int, total: int | None) -> None:
        progress(name, done, total)

    return report


def run_checks(
    settings: Settings,
    store: Store,
    now: datetime,
    only: Sequence[str] | None = None,
    *,
    progress: Callable[[str, int, int | None], None] = lambda check, done, total: None,
) -> CheckRun:
    """Run the configured checks (or those named/typed in ``only``), store and return their results."""
    run = CheckRun()
    entries = select_entries(settings, only)
    for entry in entries:
        try:
            check = build_check(entry)
        except (ConfigError, PluginNotFound):
            raise
        ctx = RunContext(store, settings, now, _progress_for(progress, entry.label))
        try:
            results = check.run(ctx)
        except Exception as exc:  # noqa: BLE001 - any failure of one check is recorded, never a pass
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.error(
                "check %s could not run: %s", entry.label, message, exc_info=not isinstance(exc, ConfigError)
            )
            if isinstance(exc, ConfigError):
                raise
            run.errors.append(CheckError(entry.label, message))
            results = _error_results(store, entry, message, now)
        with store.transaction() as conn:
            run.stored += record_check_results(conn, results)
        run.results.extend(results)
    return run
