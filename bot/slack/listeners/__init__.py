"""Bolt listeners: module-level functions that ack and call the domain. Who may act and
which incident a request is about are settled before them by listener middleware
(bot/slack/middleware.py); bot/slack/routes.py says which request reaches which one."""
