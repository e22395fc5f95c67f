"""Incident actions for the catalog pages, wired by the app factory.

The pages (``dashboards``) must not import ``alerting`` (plugin packages never import each other), so
the composition root hands them this adapter on ``app.state.incident_actions``. It runs the same
lifecycle as ``POST /api/v1/incidents/{id}/…`` and the Slack buttons: the incident changes and its
Slack edits are queued in one transaction, then delivered after the response.
"""

from __future__ import annotations

from datetime import datetime

from observer.config import Settings
from observer.errors import InputError
from observer.errors import NotFound as MissingIncident
from observer.model import Incident
from observer.store import Store

ACTIONS = ("acknowledge", "snooze", "resolve")


class IncidentActions:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def apply(
        self,
        action: str,
        incident_id: int,
        actor: str,
        now: datetime,
        *,
        until: datetime | None = None,
        note: str | None = None,
    ) -> tuple[Incident, bool]:
        """Run ``action``; returns the incident and whether it changed.

        Raises :class:`~observer.errors.NotFound` for an unknown incident and
        :class:`~observer.errors.InputError` for an invalid request (e.g. a snooze into the past).
        """
        from alerting import incidents

        if action == "acknowledge":
            return incidents.acknowledge(self.store, self.settings, incident_id, actor, now)
        if action == "snooze":
            if until is None:
                raise InputError("a snooze needs an end time")
            return incidents.snooze(self.store, self.settings, incident_id, until, actor, now)
        if action == "resolve":
            return incidents.resolve(self.store, self.settings, incident_id, actor, now, note)
        raise InputError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")

    def deliver(self) -> None:
        """Send the Slack edits an action queued (no-op in dry-run mode)."""
        from alerting.jobs import deliver_queued

        deliver_queued(self.store, self.settings)


__all__ = ["ACTIONS", "IncidentActions", "InputError", "MissingIncident"]
