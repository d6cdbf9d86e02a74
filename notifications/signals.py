"""Signals of the notifications app, sent after the commit that changed a user's notifications.

- ``notification_created``: kwargs ``user_id: int``, ``notification_id: int``, ``unread: int`` (the user's
  number of unread notifications, after the change). Sent when a notification is created, and when a new
  event is grouped into an unread one ("3 nouveaux messages").
- ``notifications_read``: kwargs ``user_id: int``, ``unread: int``, when the user marks one or all read
  (so that their other open pages can update the badge).

The real-time layer (``realtime.publish``) forwards them to the user's own connections.
"""

import django.dispatch

notification_created = django.dispatch.Signal()
notifications_read = django.dispatch.Signal()
