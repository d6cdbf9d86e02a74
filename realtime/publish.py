"""Domain events → channel layer, after the commit (coordination.events delivers them then).

One message per event to the channel-layer group ``grp.<id>`` (the layer fans it out to every connected
member, whatever application process serves them), carrying identifiers only and the audience computed
now. Membership changes first send ``resync`` to the affected user (``usr.<id>``) so that their open
connections add or drop the group at once. A channel-layer failure (Redis down) is logged and never
undoes or fails the user's action.
"""

import asyncio
import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.dispatch import receiver

from coordination import access
from coordination.events import GroupEvent, group_event
from coordination.models import Group

logger = logging.getLogger(__name__)

# Events after which the affected user's subscriptions change.
RESYNC_KINDS = {"member.invited", "member.joined", "member.declined", "member.left", "member.removed"}
# Events after which every member's view of the group changes state (read-only, reopened).
GROUP_STATE_KINDS = {"group.closed", "group.reopened", "consent.withdrawn", "consent.recorded"}


def group_name(group_id: int) -> str:
    return f"grp.{group_id}"


def user_name(user_id: int) -> str:
    return f"usr.{user_id}"


_pending: set = set()  # tasks scheduled on a running loop, kept referenced until done


def send(name: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    try:
        if loop is None:  # the usual case: a request's or a command's thread
            async_to_sync(layer.group_send)(name, message)
        else:  # called from code running on an event loop (e.g. in a greenlet): schedule, do not block it
            task = loop.create_task(layer.group_send(name, message))
            _pending.add(task)
            task.add_done_callback(_pending.discard)
    except Exception:  # noqa: BLE001 - real time is best effort; the data is committed and the page shows it
        logger.exception("real-time delivery failed for %s", name)


@receiver(group_event, dispatch_uid="realtime.group_event")
def on_group_event(sender, event: GroupEvent, **kwargs) -> None:
    group = Group.objects.filter(pk=event.group_id).select_related("cpts").first()
    if group is None:
        return
    frame = {"type": "group", "kind": event.kind, "group": event.group_id, "object": event.object_id,
             "subject": event.data.get("subject_id")}
    if event.kind in RESYNC_KINDS and event.data.get("user_id"):
        send(user_name(event.data["user_id"]), {"type": "resync"})
        if event.kind == "member.invited":
            # The invitee is not a member yet: they learn only that an invitation waits (no content).
            send(user_name(event.data["user_id"]), {"type": "direct", "frame": {**frame, "subject": None}})
    # Serialised once here, not once per connection.
    send(group_name(event.group_id), {"type": "group.event", "group": event.group_id, "audience": access.audience(group),
                                      "text": json.dumps(frame, separators=(",", ":"))})
