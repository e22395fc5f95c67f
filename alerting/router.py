"""Routing (pure): which channel hears about an incident, and which incidents share a message.

Order, first match wins:

1. ``alerting.routes`` in observer.yaml, in order. A rule matches when every condition it sets holds:
   ``match`` (glob over the asset's name, e.g. ``analytics.finance.*``), ``team`` (the owning team) and
   ``min_severity``. Its ``channel`` receives the alert.
2. The owning team's ``slack_channel``.
3. ``alerting.slack.default_channel`` — an incident nobody owns still reaches someone.

Incidents with the same destination and the same owner (team, else owner, else "unowned") are
grouped: failures of one owner within the grouping window become one message.

>>> from observer.model import AssetKey, Incident, IncidentState, Severity
>>> from datetime import datetime, timezone
>>> t = datetime(2026, 11, 20, tzinfo=timezone.utc)
>>> inc = Incident(1, "freshness", "freshness", AssetKey("duckdb", "analytics.raw.orders"),
...                IncidentState.OPEN, Severity.HIGH, "orders is late", t, t, team="growth")
>>> route(inc, Routing(team_channels={"growth": "#growth-data"})).destination
'#growth-data'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from observer.config import RouteRule
from observer.errors import ConfigError
from observer.model import Incident, Severity

UNOWNED = "unowned"


@dataclass(frozen=True)
class Rule:
    channel: str
    match: str | None = None
    team: str | None = None
    min_severity: Severity | None = None
    index: int = 0


@dataclass(frozen=True)
class Routing:
    """Everything routing needs, loaded once per run."""

    rules: tuple[Rule, ...] = ()
    team_channels: Mapping[str, str | None] = field(default_factory=dict)
    default_channel: str = "#data-alerts"
    channel_type: str = "slack"


@dataclass(frozen=True)
class Route:
    channel_type: str
    destination: str
    group_key: str
    reason: str
    """Why this channel: shown in the UI and in ``observer alerts process --explain``."""


def rules_from_config(routes: Sequence[RouteRule]) -> tuple[Rule, ...]:
    """Validate ``alerting.routes`` (a wrong severity names its index) and turn it into rules."""
    out = []
    for i, r in enumerate(routes):
        minimum = None
        if r.min_severity is not None:
            try:
                minimum = Severity(r.min_severity.lower())
            except ValueError:
                known = ", ".join(s.value for s in Severity)
                raise ConfigError(
                    f"unknown severity {r.min_severity!r} (expected one of {known})",
                    path=f"alerting.routes[{i}].min_severity",
                ) from None
        out.append(Rule(r.channel, r.match, r.team, minimum, i))
    return tuple(out)


def _rule_matches(rule: Rule, incident: Incident) -> bool:
    if rule.match is not None:
        if incident.asset is None:
            return False
        name = incident.asset.name.lower()
        pattern = rule.match.lower()
        if not (fnmatchcase(name, pattern) or fnmatchcase(str(incident.asset).lower(), pattern)):
            return False
    if rule.team is not None and (incident.team or "").lower() != rule.team.lower():
        return False
    if rule.min_severity is not None:
        order = list(Severity)
        if order.index(incident.severity) < order.index(rule.min_severity):
            return False
    return True


def group_key(incident: Incident) -> str:
    return incident.team or incident.owner or UNOWNED


def route(incident: Incident, routing: Routing) -> Route:
    """The destination of ``incident`` and the reason it was chosen."""
    key = group_key(incident)
    for rule in routing.rules:
        if _rule_matches(rule, incident):
            conditions = [
                f"{k}={v}"
                for k, v in (("match", rule.match), ("team", rule.team), ("min_severity", rule.min_severity))
                if v
            ]
            why = f"alerting.routes[{rule.index}]" + (f" ({', '.join(conditions)})" if conditions else "")
            return Route(routing.channel_type, rule.channel, key, why)
    if incident.team and routing.team_channels.get(incident.team):
        return Route(
            routing.channel_type,
            str(routing.team_channels[incident.team]),
            key,
            f"team {incident.team}'s channel",
        )
    if incident.team:
        why = f"default channel (team {incident.team} has no slack_channel)"
    else:
        why = "default channel (no owning team known)"
    return Route(routing.channel_type, routing.default_channel, key, why)
