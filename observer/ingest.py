"""Job runner for collectors: config → plugin → collect → ingest log.

This is a composition root: it is the only place that turns ``sources:`` entries into collector
instances. Each source runs in isolation — one failing source is recorded as failed and the others
still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from observer import plugins
from observer.attribution.owners import rule_claims
from observer.config import PluginEntry, Settings
from observer.errors import ConfigError, ObserverError
from observer.model import AssetKey, OwnershipSource, Person, Team
from observer.plugins import IngestReport, RunContext
from observer.store import Store
from observer.store.assets import search_assets
from observer.store.inferred_owners import infer_owners
from observer.store.ingest_log import finish_run, start_run
from observer.store.ownership import people_teams, replace_claims, sync_teams, upsert_people

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceOutcome:
    source: str
    collector: str
    report: IngestReport
    error: str | None = None


def sync_config(settings: Settings, store: Store, now: datetime) -> None:
    """Write teams, people and ownership rules from the config into the store (idempotent)."""
    with store.transaction() as conn:
        sync_teams(
            conn,
            [
                Team(t.name, t.slack_channel, t.description, tuple(t.members), t.monthly_budget_usd)
                for t in settings.teams
            ],
        )
        persons: dict[str, Person] = {}
        for t in settings.teams:
            for member in t.members:
                email = member if "@" in member else None
                persons[member] = Person(member, email=email, team=t.name)
        for p in settings.people:
            persons[p.username] = Person(p.username, p.email, p.display_name, p.team, p.slack_user_id)
        upsert_people(conn, persons.values())
    apply_ownership_rules(settings, store, now)


def apply_ownership_rules(settings: Settings, store: Store, now: datetime) -> None:
    """Recompute config-rule ownership claims for every asset (run after each ingest)."""
    patterns = [(r.match, r.owner) for r in settings.ownership]
    with store.transaction() as conn:
        keys: list[AssetKey] = []
        offset = 0
        while True:
            page = search_assets(conn, limit=5000, offset=offset)
            keys.extend(a.key for a in page.items)
            offset += 5000
            if offset >= page.total:
                break
        claims = rule_claims(keys, patterns, [t.name for t in settings.teams], people_teams(conn))
        replace_claims(conn, "config", OwnershipSource.RULE, claims, now)


def build_collector(entry: PluginEntry) -> plugins.Collector:
    """Instantiate the collector for one ``sources:`` entry, validating its options."""
    cls = plugins.collectors.get(entry.type)
    try:
        config = cls.config_model(**entry.options)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ConfigError(err["msg"], path=f"sources[{entry.label}].{loc}") from None
    return cls(config, entry.label)


def _progress_for(
    source: str, progress: Callable[[str, int, int | None], None]
) -> Callable[[int, int | None], None]:
    def report(done: int, total: int | None) -> None:
        progress(source, done, total)

    return report


def run_ingest(
    settings: Settings,
    store: Store,
    *,
    only: list[str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    progress: Callable[[str, int, int | None], None] = lambda source, done, total: None,
) -> list[SourceOutcome]:
    """Run every configured source (or those named in ``only``); returns one outcome per source."""
    sync_config(settings, store, now())
    outcomes = []
    entries = [e for e in settings.sources if only is None or e.label in only or e.type in only]
    if only:
        known = {e.label for e in settings.sources} | {e.type for e in settings.sources}
        missing = [name for name in only if name not in known]
        if missing:
            raise ConfigError(f"no source named {', '.join(missing)}; configured: {', '.join(sorted(known))}")
    for entry in entries:
        collector = build_collector(entry)
        with store.transaction() as conn:
            run_id = start_run(conn, entry.label, entry.type, now())
        ctx = RunContext(store, settings, now(), _progress_for(entry.label, progress))
        report = IngestReport()
        error = None
        try:
            report = collector.collect(ctx)
        except ObserverError as exc:
            error = str(exc)
            log.error("source %s failed: %s", entry.label, error)
        with store.transaction() as conn:
            finish_run(conn, run_id, report, now(), failed=error)
        outcomes.append(SourceOutcome(entry.label, entry.type, report, error))
    apply_ownership_rules(settings, store, now())
    from observer.cost_refresh import refresh_attribution  # owners may have changed: re-attribute spend

    # Inferred owners (the team that writes each table most) read the attributed writes, and
    # attribution reads owners: settle both here, so the next run on the same input changes nothing.
    for _ in range(3):
        with store.transaction() as conn:
            changed = infer_owners(conn, now())
        refresh_attribution(store, settings, now())
        if not changed:
            break
    return outcomes
