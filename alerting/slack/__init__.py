"""Slack: Block Kit rendering (pure) and delivery through the Web API or an incoming webhook."""
