"""Durable deadlines and reminders: the planner's output as rows, claimed and sent by ticks.

Knows nothing of Slack: `service` keeps the rows in step with the plan and hands out
due reminders; `tick` (which does talk to Slack, through the services) sends them.
See docs/reminders.md for the design.
"""
