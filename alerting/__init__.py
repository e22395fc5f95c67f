"""Alerting: check results and cost findings become incidents, routed to the owning team's Slack.

The pieces, in the order data flows through them:

* :mod:`alerting.signals` and :mod:`alerting.cost_signals` — what was observed (pure);
* :mod:`alerting.lifecycle` — what that means for the incident of (check, asset) (pure);
* :mod:`alerting.router` — which channel hears about it (pure);
* :mod:`alerting.message` and :mod:`alerting.slack.render` — what the message says (pure, format-neutral
  first, then Block Kit);
* :mod:`alerting.incidents` — the job that applies all of the above and queues messages in the outbox,
  in one transaction;
* :mod:`alerting.outbox` — durable delivery through a notifier (:mod:`alerting.slack.notifier`,
  :mod:`alerting.console.notifier`).
"""
