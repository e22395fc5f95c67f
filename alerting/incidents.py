"""The incident job: signals and people's actions become incident changes and queued messages.

Each call runs in one store transaction: the incident change, its history event and the outbox rows
that tell Slack about it are committed together or not at all, so nothing is lost between "the
check failed" and "the message is queued", and re-running on the same input changes nothing.

Entry points (the CLI, the scheduler, the API and the Slack endpoint call these):

* :func:`process_check_results` — new rows of ``check_results`` since the last run (watermarked);
* :func:`process_signals` — any signals (cost findings, tests);
* :func:`expire_snoozes` — snoozes whose time is up;
* :func:`acknowledge`, :func:`snooze`, :func:`resolve` — a person's action from Slack, the UI or the API.

Grouping: new incidents of one owner routed to one channel join the message whose grouping window
(``alerting.group_window_minutes``) is still open — the message is edited in place and a thread reply
says what is new — otherwise a new message is posted. Updates wait in the outbox for their post.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from alerting import lifecycle
from alerting.lifecycle import Decision, Notify
from alerting.message import Links, alert_message, incident_card, notice
from alerting.router import Route, Routing, route, rules_from_config
from alerting.signals import Signal, latest_per_subject, signal_from_result
from alerting.slack.render import METADATA_EVENT, render_alert, render_notice
from observer.config import Settings
from observer.errors import NotFound
from observer.model import AssetKey, Incident
from observer.store import Store
from observer.store import incidents as incident_store
from observer.store import outbox as outbox_store
from observer.store.alert_context import AlertContext, alert_context, owner_of, team_channels
from observer.store.watermarks import get_watermark, set_watermark

WATERMARK_SOURCE = "alerting"
WATERMARK_STREAM = "check_results"
THREADED = frozenset({"slack", "console"})
"""Channel types that can edit a posted message and reply in its thread (webhooks cannot)."""


@dataclass
class ProcessReport:
    signals: int = 0
    opened: int = 0
    updated: int = 0
    escalated: int = 0
    resolved: int = 0
    acknowledged: int = 0
    snoozed: int = 0
    reopened: int = 0
    queued: int = 0
    """Outbox rows written (posts, updates, replies)."""
    routes: dict[str, int] = field(default_factory=dict)
    """Destination → incidents routed there by this run."""

    def count(self, decision: Decision) -> None:
        attr = {
            "opened": "opened",
            "updated": "updated",
            "escalated": "escalated",
            "resolved": "resolved",
            "acknowledged": "acknowledged",
            "snoozed": "snoozed",
            "snooze_ended": "reopened",
        }.get(decision.event or "")
        if attr:
            setattr(self, attr, getattr(self, attr) + 1)


def channel_type_for(settings: Settings) -> str:
    """``slack`` with a bot token, ``webhook`` with only a webhook URL, else ``slack`` (dry runs)."""
    slack = settings.alerting.slack
    if slack.token is None and slack.webhook_url is not None:
        return "webhook"
    return "slack"


def routing_for(conn: Connection, settings: Settings) -> Routing:
    return Routing(
        rules=rules_from_config(settings.alerting.routes),
        team_channels=team_channels(conn),
        default_channel=settings.alerting.slack.default_channel,
        channel_type=channel_type_for(settings),
    )


class _Publisher:
    """Collects what the channel must hear during one transaction, then queues it, grouped."""

    def __init__(self, conn: Connection, settings: Settings, now: datetime, report: ProcessReport) -> None:
        self.conn, self.settings, self.now, self.report = conn, settings, now, report
        self.routing = routing_for(conn, settings)
        self.links = Links(settings.server.base_url)
        self.window = timedelta(minutes=settings.alerting.group_window_minutes)
        self.opened: list[Incident] = []
        self.followups: list[tuple[Incident, Notify, str | None, int, dict[str, Any]]] = []
        self._contexts: dict[tuple[AssetKey | None, str | None, str | None], AlertContext] = {}

    def add(self, incident: Incident, decision: Decision, event_id: int) -> None:
        if decision.notify == Notify.OPENED:
            self.opened.append(incident)
        elif decision.notify is not None:
            self.followups.append((incident, decision.notify, decision.actor, event_id, decision.detail))

    def _context(self, incident: Incident) -> AlertContext:
        key = (incident.asset, incident.owner, incident.team)
        if key not in self._contexts:
            if incident.asset is None or incident.owner:
                ctx = alert_context(self.conn, incident.asset, owner=incident.owner, team=incident.team)
            else:
                ctx = alert_context(self.conn, incident.asset)
            self._contexts[key] = ctx
        return self._contexts[key]

    def _render(self, message_id: int, team: str | None) -> dict[str, Any]:
        members = incident_store.incidents_of_message(self.conn, message_id)
        cards = [incident_card(i, self._context(i), self.links) for i in members]
        return render_alert(alert_message(cards, team, self.now, self.links))

    def _enqueue(
        self,
        key: str,
        msg: incident_store.AlertMessageRecord,
        operation: str,
        payload: dict[str, Any],
        incident_id: int | None,
    ) -> None:
        if operation in ("post", "reply"):
            payload = {**payload, "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": key}}}
        added = outbox_store.enqueue(
            self.conn,
            dedup_key=key,
            channel_type=msg.channel_type,
            destination=msg.destination,
            operation=operation,
            payload=payload,
            now=self.now,
            incident_id=incident_id,
            message_id=msg.id,
        )
        self.report.queued += int(added)

    def _refresh(self, msg: incident_store.AlertMessageRecord, team: str | None, event_id: int) -> bool:
        """Show the message's incidents as they are now: rewrite the post if it has not gone out yet
        (returns True: nobody has seen the old version, so no follow-up is needed), else queue an edit."""
        payload = self._render(msg.id, team)
        rows = outbox_store.message_rows(self.conn, msg.id)
        post = next((r for r in rows if r.operation == "post"), None)
        with_meta = {**payload, "metadata": post.payload.get("metadata")} if post else payload
        if post is not None and outbox_store.rewrite_pending(self.conn, post.id, with_meta):
            return True
        if msg.channel_type not in THREADED:
            return False
        pending = [r for r in rows if r.operation == "update" and r.state == outbox_store.OutboxState.PENDING]
        if not (pending and outbox_store.rewrite_pending(self.conn, pending[-1].id, payload)):
            self._enqueue(f"message:{msg.id}:update:{event_id}", msg, "update", payload, None)
        return False

    def _tell(
        self,
        msg: incident_store.AlertMessageRecord,
        incident: Incident,
        what: Notify,
        actor: str | None,
        event_id: int,
        detail: dict[str, Any],
    ) -> None:
        payload = render_notice(notice(incident, what, actor, self.links, detail))
        if msg.channel_type in THREADED:
            self._enqueue(f"message:{msg.id}:reply:{event_id}", msg, "reply", payload, incident.id)
        else:
            self._enqueue(f"message:{msg.id}:notice:{event_id}", msg, "post", payload, incident.id)

    def flush(self, event_ids: dict[int, int]) -> None:
        groups: dict[tuple[str, str, str], list[tuple[Incident, Route]]] = defaultdict(list)
        for incident in self.opened:
            r = route(incident, self.routing)
            groups[(r.channel_type, r.destination, r.group_key)].append((incident, r))
            self.report.routes[r.destination] = self.report.routes.get(r.destination, 0) + 1
        for (channel_type, destination, group), members in groups.items():
            ids = [i.id for i, _ in members if i.id is not None]
            team = members[0][0].team
            msg = incident_store.open_group_message(
                self.conn, channel_type=channel_type, destination=destination, group_key=group, now=self.now
            )
            if msg is not None and channel_type not in THREADED:
                post = next(
                    (r for r in outbox_store.message_rows(self.conn, msg.id) if r.operation == "post"), None
                )
                msg = msg if post is not None and post.state == outbox_store.OutboxState.PENDING else None
            if msg is None:
                msg = incident_store.create_alert_message(
                    self.conn,
                    channel_type=channel_type,
                    destination=destination,
                    group_key=group,
                    kind="incidents",
                    now=self.now,
                    window=self.window,
                )
                incident_store.attach_to_message(self.conn, ids, msg.id)
                self._enqueue(
                    f"message:{msg.id}:post",
                    msg,
                    "post",
                    self._render(msg.id, team),
                    ids[0] if len(ids) == 1 else None,
                )
                continue
            incident_store.attach_to_message(self.conn, ids, msg.id)
            if self._refresh(msg, team, event_ids[ids[0]]):
                continue
            for incident, _ in members:
                assert incident.id is not None
                self._tell(msg, incident, Notify.OPENED, None, event_ids[incident.id], {})
        by_message: dict[int, list[tuple[Incident, Notify, str | None, int, dict[str, Any]]]] = defaultdict(
            list
        )
        for item in self.followups:
            incident = item[0]
            assert incident.id is not None
            mid = incident_store.message_id_of(self.conn, incident.id)
            if mid is not None:
                by_message[mid].append(item)
        for mid, items in by_message.items():
            msg = incident_store.get_alert_message(self.conn, mid)
            if msg is None:
                continue
            if self._refresh(msg, items[0][0].team, items[-1][3]):
                continue
            for incident, what, actor, event_id, detail in items:
                self._tell(msg, incident, what, actor, event_id, detail)


def _apply(
    conn: Connection,
    publisher: _Publisher,
    decision: Decision,
    report: ProcessReport,
    event_ids: dict[int, int],
) -> Incident | None:
    if decision.incident is None:
        return None
    saved = incident_store.save_incident(conn, decision.incident)
    assert saved.id is not None
    report.count(decision)
    if decision.event:
        event_ids[saved.id] = incident_store.add_event(
            conn, saved.id, publisher.now, decision.event, decision.actor, decision.detail
        )
    publisher.add(saved, decision, event_ids.get(saved.id, 0))
    return saved


def _apply_signals(
    conn: Connection, settings: Settings, signals: list[Signal], now: datetime, report: ProcessReport
) -> None:
    publisher = _Publisher(conn, settings, now, report)
    event_ids: dict[int, int] = {}
    for signal in latest_per_subject(signals):
        report.signals += 1
        current = incident_store.active_incident(conn, signal.check, signal.asset)
        owner = team = None
        if current is None and signal.failing and signal.asset is not None and signal.team is None:
            resolved, team = owner_of(conn, signal.asset)
            owner = resolved.owner if resolved else None
        _apply(
            conn,
            publisher,
            lifecycle.on_signal(current, signal, now, owner=owner, team=team),
            report,
            event_ids,
        )
    for incident in incident_store.expired_snoozes(conn, now):
        _apply(conn, publisher, lifecycle.on_snooze_expired(incident, now), report, event_ids)
    publisher.flush(event_ids)


def process_signals(store: Store, settings: Settings, signals: list[Signal], now: datetime) -> ProcessReport:
    """Apply ``signals`` (and due snooze ends) in one transaction; returns what changed."""
    report = ProcessReport()
    with store.transaction() as conn:
        _apply_signals(conn, settings, signals, now, report)
    return report


def process_check_results(
    store: Store, settings: Settings, now: datetime, batch: int = 5000
) -> ProcessReport:
    """Turn check results stored since the last run into incidents (resumable: watermark per batch)."""
    report = ProcessReport()
    while True:
        with store.transaction() as conn:
            last = int(get_watermark(conn, WATERMARK_SOURCE, WATERMARK_STREAM) or 0)
            rows = incident_store.check_results_after(conn, last, batch)
            signals = [s for rid, r in rows if (s := signal_from_result(r, rid)) is not None]
            _apply_signals(conn, settings, signals, now, report)
            if rows:
                set_watermark(conn, WATERMARK_SOURCE, str(rows[-1][0]), now, WATERMARK_STREAM)
        if len(rows) < batch:
            return report


def expire_snoozes(store: Store, settings: Settings, now: datetime) -> ProcessReport:
    return process_signals(store, settings, [], now)


def _act(
    store: Store, settings: Settings, incident_id: int, now: datetime, decide: Any
) -> tuple[Incident, bool]:
    report = ProcessReport()
    with store.transaction() as conn:
        current = incident_store.get_incident(conn, incident_id)
        if current is None:
            raise NotFound(f"no incident {incident_id}")
        publisher = _Publisher(conn, settings, now, report)
        event_ids: dict[int, int] = {}
        decision: Decision = decide(current)
        saved = _apply(conn, publisher, decision, report, event_ids)
        publisher.flush(event_ids)
    return (saved or current), saved is not None


def acknowledge(
    store: Store, settings: Settings, incident_id: int, actor: str, now: datetime
) -> tuple[Incident, bool]:
    """Acknowledge an incident; returns it and whether anything changed (False if already acked/resolved)."""
    return _act(store, settings, incident_id, now, lambda i: lifecycle.acknowledge(i, actor, now))


def snooze(
    store: Store, settings: Settings, incident_id: int, until: datetime, actor: str, now: datetime
) -> tuple[Incident, bool]:
    """Snooze an incident until ``until`` (raises ``InputError`` when that is not in the future)."""
    return _act(store, settings, incident_id, now, lambda i: lifecycle.snooze(i, until, actor, now))


def resolve(
    store: Store, settings: Settings, incident_id: int, actor: str, now: datetime, note: str | None = None
) -> tuple[Incident, bool]:
    """Resolve an incident by hand (a later failing check opens a new one)."""
    return _act(store, settings, incident_id, now, lambda i: lifecycle.resolve(i, actor, now, note))
