"""Routing: configured rules first, then the owning team's channel, then the default channel."""

from __future__ import annotations

from datetime import datetime

import pytest

from alerting.router import Routing, route, rules_from_config
from observer.config import RouteRule
from observer.errors import ConfigError
from observer.model import AssetKey, Incident, IncidentState, Severity


def _incident(
    now: datetime,
    name: str = "analytics.finance.invoices",
    team: str | None = "finance",
    severity: Severity = Severity.MEDIUM,
    owner: str | None = None,
) -> Incident:
    return Incident(
        7,
        "freshness",
        "freshness",
        AssetKey("snowflake", name),
        IncidentState.OPEN,
        severity,
        "t",
        now,
        now,
        owner=owner,
        team=team,
    )


CHANNELS = {"finance": "#finance-data", "growth": "#growth-data", "ops": None}


def test_team_channel_then_default(now: datetime) -> None:
    routing = Routing(team_channels=CHANNELS, default_channel="#data-alerts")
    assert route(_incident(now), routing).destination == "#finance-data"
    no_channel = route(_incident(now, team="ops"), routing)
    assert no_channel.destination == "#data-alerts" and "ops has no slack_channel" in no_channel.reason
    nobody = route(_incident(now, team=None), routing)
    assert nobody.destination == "#data-alerts" and nobody.group_key == "unowned"


def test_rules_match_on_pattern_team_and_severity_in_order(now: datetime) -> None:
    rules = rules_from_config(
        [
            RouteRule(match="analytics.finance.*", min_severity="critical", channel="#finance-oncall"),
            RouteRule(team="growth", channel="#growth-alerts"),
            RouteRule(match="*.invoices", channel="#billing"),
        ]
    )
    routing = Routing(rules=rules, team_channels=CHANNELS)
    critical = route(_incident(now, severity=Severity.CRITICAL), routing)
    assert critical.destination == "#finance-oncall" and critical.reason.startswith("alerting.routes[0]")
    assert route(_incident(now), routing).destination == "#billing"  # rule 0 needs critical
    assert (
        route(_incident(now, name="analytics.web.events", team="growth"), routing).destination
        == "#growth-alerts"
    )
    assert route(_incident(now, name="analytics.finance.ledger"), routing).destination == "#finance-data"


def test_cost_incidents_without_an_asset_route_by_team(now: datetime) -> None:
    budget = Incident(
        3, "budget", "budget:growth", None, IncidentState.OPEN, Severity.HIGH, "over", now, now, team="growth"
    )
    rules = rules_from_config([RouteRule(match="analytics.*", channel="#everything")])
    assert route(budget, Routing(rules=rules, team_channels=CHANNELS)).destination == "#growth-data"


def test_incidents_of_one_owner_share_a_group(now: datetime) -> None:
    routing = Routing(team_channels=CHANNELS)
    a = route(_incident(now, name="analytics.finance.a"), routing)
    b = route(_incident(now, name="analytics.finance.b"), routing)
    person = route(_incident(now, team=None, owner="CAROL"), routing)
    assert a.group_key == b.group_key == "finance" and person.group_key == "CAROL"


def test_an_unknown_severity_in_a_rule_names_the_rule() -> None:
    with pytest.raises(ConfigError, match=r"alerting.routes\[1\].min_severity.*unknown severity 'urgent'"):
        rules_from_config([RouteRule(channel="#a"), RouteRule(min_severity="urgent", channel="#b")])
