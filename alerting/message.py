"""Format-neutral alert messages (pure): what to say, not how a channel draws it.

An :class:`AlertMessage` holds one :class:`IncidentCard` per incident of a group (asset, check,
observed vs expected, since when, the owner, downstream assets and their owners, the run behind it,
links into the catalog). :class:`Notice` is a short follow-up (acknowledged, resolved …) that goes in
the message's thread. Renderers (``alerting.slack.render``, the console) turn these into their
format; nothing here knows about Block Kit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from alerting.lifecycle import Notify, severity_rank
from observer.model import Incident, IncidentState, Severity
from observer.store.alert_context import AlertContext, PersonRef

MAX_FACTS = 8
MAX_IMPACT = 8


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Mention:
    """A person or team named in a message; a Slack user id makes it a real mention."""

    name: str
    slack_user_id: str | None = None


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Impact:
    asset: str
    owner: Mention | None
    team: str | None
    url: str | None = None


@dataclass(frozen=True)
class IncidentCard:
    incident_id: int | None
    kind: str
    check: str
    asset: str | None
    title: str
    severity: Severity
    state: IncidentState
    status: str
    summary: str
    observed: tuple[Fact, ...]
    expected: tuple[Fact, ...]
    since: datetime
    owner: Mention | None
    team: str | None
    owner_source: str | None
    downstream: tuple[Impact, ...]
    downstream_total: int
    cause: tuple[Fact, ...]
    links: tuple[Link, ...]
    state_note: str | None
    """``Acknowledged``, ``Snoozed until …``, ``Resolved …`` — None while simply open."""
    state_by: Mention | None

    @property
    def actionable(self) -> bool:
        return self.incident_id is not None and self.state != IncidentState.RESOLVED


@dataclass(frozen=True)
class AlertMessage:
    headline: str
    cards: tuple[IncidentCard, ...]
    team: str | None
    generated_at: datetime
    link: Link | None = None
    """Where to see every incident of the group (used when a message must leave some out)."""

    @property
    def worst(self) -> Severity:
        live = [c.severity for c in self.cards if c.state != IncidentState.RESOLVED] or [
            c.severity for c in self.cards
        ]
        return max(live, key=severity_rank)

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.cards if c.state != IncidentState.RESOLVED)


@dataclass(frozen=True)
class Notice:
    """A follow-up in the alert's thread (or a short message where threads do not exist)."""

    what: Notify
    text: str
    """What happened, without who did it (``acknowledged``, ``snoozed until …``)."""
    actor: Mention | None
    incident_id: int | None
    title: str
    link: Link | None = None


@dataclass(frozen=True)
class Links:
    """URLs into the catalog; ``base_url`` is ``server.base_url`` (links are left out without it)."""

    base_url: str | None

    def _url(self, path: str) -> str | None:
        return f"{self.base_url.rstrip('/')}{path}" if self.base_url else None

    def asset(self, key: str) -> str | None:
        platform, _, name = key.partition("://")
        return self._url(f"/assets/{quote(platform)}/{quote(name)}")

    def incident(self, incident_id: int | None) -> str | None:
        return self._url(f"/incidents/{incident_id}") if incident_id is not None else None

    def incidents(self, team: str | None = None) -> str | None:
        return self._url("/incidents" + (f"?team={quote(team)}" if team else ""))

    def team(self, team: str) -> str | None:
        return self._url(f"/teams/{quote(team)}")

    def costs(self, team: str | None = None) -> str | None:
        return self._url("/costs" + (f"?team={quote(team)}" if team else ""))


# ── formatting helpers (pure) ────────────────────────────────────────────────────────────────────────


def humanize_key(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def format_value(value: Any) -> str:
    """Numbers with separators, timestamps in UTC, lists joined; everything else as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
        try:
            return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items())
    return str(value)


def _fact(key: str, value: Any) -> Fact:
    """One labelled value; ``*_s`` / ``*_seconds`` keys holding numbers read as durations."""
    for suffix in ("_seconds", "_s"):
        if key.endswith(suffix) and isinstance(value, int | float) and not isinstance(value, bool):
            return Fact(humanize_key(key[: -len(suffix)]), format_duration(value))
    return Fact(humanize_key(key), format_value(value))


def facts(values: Mapping[str, Any] | None, limit: int = MAX_FACTS) -> tuple[Fact, ...]:
    """Readable label/value pairs of a check's observed or expected values (empty ones left out)."""
    if not values:
        return ()
    kept = [(k, v) for k, v in values.items() if v is not None and v != "" and v != [] and v != {}]
    return tuple(_fact(k, v) for k, v in kept[:limit])


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def mention_for(owner: str | None, people: Mapping[str, PersonRef]) -> Mention | None:
    if not owner:
        return None
    person = people.get(owner)
    if person is None:
        return Mention(owner)
    return Mention(person.display_name or owner, person.slack_user_id)


def actor_mention(actor: str | None) -> Mention:
    """Actors are stored as ``slack:<user id>:<name>``, ``api:<token name>``, ``cli:<user>`` or ``check``."""
    if not actor:
        return Mention("someone")
    kind, _, rest = actor.partition(":")
    if kind == "slack" and rest:
        user_id, _, name = rest.partition(":")
        return Mention(name or user_id, user_id or None)
    return Mention(rest or kind)


def state_note(incident: Incident) -> tuple[str | None, Mention | None]:
    """What happened to the incident besides failing (``Acknowledged``, ``Snoozed until …``) and by whom."""
    d = incident.details
    if incident.state == IncidentState.ACKNOWLEDGED:
        return "Acknowledged", actor_mention(d.get("acknowledged_by"))
    if incident.state == IncidentState.SNOOZED and incident.snoozed_until:
        return f"Snoozed until {format_value(incident.snoozed_until)}", actor_mention(d.get("snoozed_by"))
    if incident.state == IncidentState.RESOLVED:
        when = format_value(incident.resolved_at) if incident.resolved_at else ""
        by = d.get("resolved_by")
        if by:
            return f"Resolved {when}".strip(), actor_mention(by)
        return f"Resolved {when} (the check passes again)".replace("  ", " "), None
    return None, None


def _since(incident: Incident) -> datetime:
    """When the problem began: a freshness deadline that passed, else the first failing evaluation."""
    candidates = [incident.opened_at]
    expected = incident.details.get("expected") or {}
    for raw in (expected.get("deadline"), incident.details.get("first_failed_at")):
        if isinstance(raw, str):
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError:
                continue
            if moment.tzinfo is not None:
                candidates.append(moment)
    return min(candidates)


# ── builders ────────────────────────────────────────────────────────────────────────────────────────


def incident_card(incident: Incident, context: AlertContext, links: Links) -> IncidentCard:
    """Everything a reader needs about one incident, gathered into a card."""
    details = incident.details
    asset = str(incident.asset) if incident.asset else None
    impact = tuple(
        Impact(str(d.asset), mention_for(d.owner, context.people), d.team, links.asset(str(d.asset)))
        for d in context.downstream[:MAX_IMPACT]
    )
    cause = dict(details.get("cause") or {})
    if not cause and context.last_run:
        cause = {
            k: context.last_run[k]
            for k in ("orchestrator", "job", "task", "run_id", "status", "end_time")
            if context.last_run.get(k)
        }
    card_links = [Link("Open incident", u) for u in [links.incident(incident.id)] if u]
    if asset and (url := links.asset(asset)):
        card_links.append(Link("Open asset", url))
    note, by = state_note(incident)
    since = _since(incident)
    return IncidentCard(
        incident_id=incident.id,
        kind=incident.kind,
        check=incident.check,
        asset=asset,
        title=incident.title,
        severity=incident.severity,
        state=incident.state,
        status=str(details.get("status", "fail")),
        summary=str(details.get("summary", "")),
        observed=facts(details.get("observed")),
        expected=facts(details.get("expected")),
        since=since,
        owner=mention_for(incident.owner or context.owner, context.people),
        team=incident.team or context.team,
        owner_source=context.owner_source,
        downstream=impact,
        downstream_total=context.downstream_total,
        cause=facts(cause),
        links=tuple(card_links),
        state_note=note,
        state_by=by,
    )


def alert_message(
    cards: Sequence[IncidentCard], team: str | None, now: datetime, links: Links
) -> AlertMessage:
    """The message for a group of incidents of one owner (one card makes a single-incident alert)."""
    ordered = tuple(
        sorted(
            cards,
            key=lambda c: (c.state == IncidentState.RESOLVED, -severity_rank(c.severity), c.incident_id or 0),
        )
    )
    open_cards = [c for c in ordered if c.state != IncidentState.RESOLVED]
    if len(ordered) == 1:
        headline = ordered[0].title
    else:
        who = f" for {team}" if team else ""
        headline = (
            f"{len(open_cards)} open incidents{who}"
            if open_cards
            else f"{len(ordered)} incidents{who}, all resolved"
        )
    if not open_cards:
        headline = headline if len(ordered) > 1 else f"Resolved: {headline}"
    url = links.incidents(team)
    return AlertMessage(headline, ordered, team, now, Link("All incidents", url) if url else None)


_NOTICE_TEXT = {
    Notify.OPENED: "new failure",
    Notify.ESCALATED: "got worse: severity {to}",
    Notify.ACKNOWLEDGED: "acknowledged",
    Notify.SNOOZED: "snoozed until {until}",
    Notify.SNOOZE_ENDED: "snooze ended and it still fails",
    Notify.RESOLVED: "resolved",
}


def notice(
    incident: Incident, what: Notify, actor: str | None, links: Links, detail: Mapping[str, Any] | None = None
) -> Notice:
    """A one-line follow-up: ``orders is late — acknowledged`` by ``@alice``."""
    detail = dict(detail or {})
    template = _NOTICE_TEXT[what]
    who: Mention | None = actor_mention(actor) if actor and actor not in ("check", "schedule") else None
    if what == Notify.RESOLVED and who is None:
        template = "resolved: the check passes again"
    text = template.format(
        to=detail.get("to", incident.severity.value),
        until=format_value(incident.snoozed_until) if incident.snoozed_until else "later",
    )
    url = links.incident(incident.id)
    return Notice(what, text, who, incident.id, incident.title, Link("Open incident", url) if url else None)
