"""Alerting jobs: what ``observer alerts …``, the scheduler and the demo run.

* :func:`run_alerting` — the whole round: Slack user ids for mentions, check results → incidents,
  cost findings → incidents, snooze ends, then one delivery pass (or a dry-run print).
* :func:`process_costs` — budgets and spend jumps as incidents.
* :func:`queue_digests` — each team's daily digest, once per team and day.
* :func:`sync_slack_users` — look up people's Slack ids by e-mail so alerts can mention owners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from alerting import incidents
from alerting.cost_signals import budget_signal, month_bounds, spend_jump_signal
from alerting.digest import build_digest
from alerting.incidents import WATERMARK_SOURCE, ProcessReport, channel_type_for
from alerting.message import Links
from alerting.outbox import Deliverer, DeliveryReport, build_notifiers
from alerting.signals import Signal
from alerting.slack.render import METADATA_EVENT, render_digest
from observer.config import Settings
from observer.model import AssetKey, Incident, IncidentState
from observer.plugins import Notifier
from observer.store import Store
from observer.store import incidents as incident_store
from observer.store import outbox as outbox_store
from observer.store.alert_context import (
    NOT_IN_SLACK,
    people_without_slack_ids,
    set_slack_user_ids,
    team_channels,
)
from observer.store.alert_spend import fingerprint_spend, team_budgets, team_spend
from observer.store.watermarks import get_watermark, set_watermark


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class AlertingRun:
    checks: ProcessReport = field(default_factory=ProcessReport)
    costs: ProcessReport = field(default_factory=ProcessReport)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    users_found: int = 0
    previewed: int = 0


def sync_slack_users(store: Store, lookup: Callable[[str], str | None], limit: int = 200) -> int:
    """Fill in Slack user ids for people with an e-mail (``users.lookupByEmail``); returns ids found.

    People Slack does not know are remembered as such and not asked about again.
    """
    with store.read() as conn:
        wanted = people_without_slack_ids(conn, limit)
    found: list[tuple[str, str]] = []
    for username, email in wanted:
        slack_id = lookup(email)
        found.append((username, slack_id or NOT_IN_SLACK))
    with store.transaction() as conn:
        set_slack_user_ids(conn, found)
    return sum(1 for _, s in found if s != NOT_IN_SLACK)


def cost_signals(store: Store, settings: Settings, now: datetime) -> list[Signal]:
    """Budget and spend-jump signals at ``now``, including passing ones for open cost incidents."""
    options = settings.alerting.cost
    out: list[Signal] = []
    start, _ = month_bounds(now)
    window = timedelta(days=options.jump_window_days)
    with store.read() as conn:
        if options.budgets:
            for team, budget in sorted(team_budgets(conn).items()):
                spent = team_spend(conn, team, start, now)
                out.append(
                    budget_signal(team, budget, spent, now, forecast_after_days=options.forecast_after_days)
                )
        candidates = fingerprint_spend(
            conn, now - 2 * window, now - window, now, min_recent_usd=options.jump_min_usd
        )
        open_jumps = {
            i.check.split(":", 1)[1]: i for i in incident_store.active_incidents(conn, kind="spend_jump")
        }
        seen = {c.fingerprint for c in candidates}
        missing = [fp for fp in open_jumps if fp not in seen]
        if missing:
            candidates += fingerprint_spend(conn, now - 2 * window, now - window, now, only=missing)
    for c in candidates:
        # An open incident keeps its subject (asset, team) even when this window no longer names one.
        known = open_jumps.get(c.fingerprint)
        asset = known.asset if known else (AssetKey.from_stored(c.asset_key) if c.asset_key else None)
        out.append(
            spend_jump_signal(
                c.fingerprint,
                c.recent_usd,
                c.previous_usd,
                now,
                window_days=options.jump_window_days,
                ratio=options.jump_ratio,
                min_usd=options.jump_min_usd,
                team=known.team if known else c.team,
                owner=known.owner if known else c.owner,
                asset=asset,
            )
        )
    active = {i.check for i in _active_cost_incidents(store)}
    return [s for s in out if s.failing or s.check in active]


def _active_cost_incidents(store: Store) -> list[Incident]:
    with store.read() as conn:
        return incident_store.active_incidents(conn, kind="budget") + incident_store.active_incidents(
            conn, kind="spend_jump"
        )


def process_costs(store: Store, settings: Settings, now: datetime) -> ProcessReport:
    return incidents.process_signals(store, settings, cost_signals(store, settings, now), now)


def queue_digests(store: Store, settings: Settings, now: datetime, teams: Iterable[str] | None = None) -> int:
    """Queue today's digest for each team (default: every team with a Slack channel). Idempotent per day."""
    links = Links(settings.server.base_url)
    start, _ = month_bounds(now)
    prev_start, _ = month_bounds(start - timedelta(days=1))
    same_days_end = min(prev_start + (now - start), start)
    channel_type = channel_type_for(settings)
    queued = 0
    with store.transaction() as conn:
        channels = team_channels(conn)
        budgets = team_budgets(conn)
        wanted = list(teams) if teams is not None else [t for t, ch in sorted(channels.items()) if ch]
        for team in wanted:
            open_items, _ = incident_store.list_incidents(
                conn,
                states=[
                    s.value for s in (IncidentState.OPEN, IncidentState.ACKNOWLEDGED, IncidentState.SNOOZED)
                ],
                team=team,
                limit=500,
            )
            digest = build_digest(
                team,
                now,
                open_items,
                team_spend(conn, team, start, now),
                team_spend(conn, team, prev_start, same_days_end),
                team_spend(conn, team, prev_start, start),
                budgets.get(team),
                links,
            )
            destination = channels.get(team) or settings.alerting.slack.default_channel
            key = f"digest:{team}:{now:%Y-%m-%d}"
            payload = render_digest(digest)
            payload["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
            queued += outbox_store.enqueue(
                conn,
                dedup_key=key,
                channel_type=channel_type,
                destination=destination,
                operation="post",
                payload=payload,
                now=now,
            )
    return queued


PREVIEW_STREAM = "previewed"


def preview(
    store: Store, notifier: Notifier, now: datetime, limit: int = 500, *, only_new: bool = False
) -> int:
    """Print due messages through ``notifier`` without sending or marking them (a dry run).

    ``only_new`` prints only messages queued since the last such preview — what a scheduler running in
    dry-run mode wants, so each round does not print the whole queue again.
    """
    with store.read() as conn:
        rows = outbox_store.due_items(conn, now, limit)
        seen = int(get_watermark(conn, WATERMARK_SOURCE, PREVIEW_STREAM) or 0) if only_new else 0
    rows = [r for r in rows if r.id > seen]
    for row in rows:
        notifier.send(row.destination, row.operation, row.payload)
    if only_new and rows:
        with store.transaction() as conn:
            set_watermark(conn, WATERMARK_SOURCE, str(max(r.id for r in rows)), now, PREVIEW_STREAM)
    return len(rows)


def run_alerting(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    deliver: bool = True,
    dry_run: bool | None = None,
    stream: TextIO | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AlertingRun:
    """One full alerting round; with ``dry_run`` (default: ``alerting.dry_run``) messages are printed."""
    dry = settings.alerting.dry_run if dry_run is None else dry_run
    run = AlertingRun()
    notifiers = build_notifiers(settings, dry_run=dry, stream=stream)
    slack = notifiers.get("slack")
    if not dry and slack is not None and hasattr(slack, "lookup_user"):
        try:
            run.users_found = sync_slack_users(store, slack.lookup_user)
        except Exception:  # noqa: BLE001 - mentions are a nicety; alerts go out without them
            run.users_found = 0
    run.checks = incidents.process_check_results(store, settings, now)
    run.costs = process_costs(store, settings, now)
    if settings.alerting.digest:
        queue_digests(store, settings, now)
    if not deliver:
        return run
    if dry:
        run.previewed = preview(store, notifiers["slack"], now, only_new=True)
        return run
    deliverer = Deliverer(
        store, notifiers, clock=clock or _utcnow, max_attempts=settings.alerting.max_attempts
    )
    run.delivery = deliverer.deliver_due()
    return run


def deliver_queued(store: Store, settings: Settings) -> DeliveryReport | None:
    """One delivery pass right after an action queued edits (nothing in dry-run mode or unconfigured)."""
    notifiers = build_notifiers(settings)
    if settings.alerting.dry_run or not notifiers:
        return None
    return Deliverer(
        store, notifiers, clock=_utcnow, max_attempts=settings.alerting.max_attempts
    ).deliver_due()
