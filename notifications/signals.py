"""Signals of the notifications app, sent after the commit that changed a user's notifications.

- ``notification_created``: kwargs ``user_id: int``, ``notification_id: int``, ``unread: int`` (the user's
  number of unread notifications, after the change). Sent when a notification is created; not when a new
  event is grouped into an unread one ("3 nouveaux messages"), which leaves the unread count as it was.
- ``notifications_read``: kwargs ``user_id: int``, ``unread: int``, when the user marks one or all read
  (so that their other open pages can update the badge).
- ``unread_counts_changed``: kwargs ``counts: dict[int, int]`` (user id → unread count) and ``group_id`` (the
  group all these notifications are about, or None), once per commit
  that created notifications for many users (one message posted in a group of 50): the same news
  as the ``notification_created`` of that commit, in one call; not sent when every notification of the
  commit was grouped into an unread one (no count changed).

The real-time layer (``realtime.publish``) forwards ``unread_counts_changed`` and ``notifications_read`` to
the users' own connections (``notification_created`` stays for other listeners).
"""

import django.dispatch

notification_created = django.dispatch.Signal()
notifications_read = django.dispatch.Signal()
unread_counts_changed = django.dispatch.Signal()
