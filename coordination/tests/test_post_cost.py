"""The cost of one message post does not grow with the group: the same number of queries for 5 members and
for 50 (request, audit entries, notifications of every other member, their unread counts, the real-time
frame), under a ceiling measured when the path was profiled (docs/benchmarks.md « Real-time messaging »).
A per-member query (N+1) or a per-member audit entry would add 45 queries to the larger group."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from coordination.models import GroupMember, Message
from coordination.tests.helpers import url, working_group
from cpts.models import Membership
from cpts.roles import Role
from notifications.models import Notification
from tests.cast import login

# Queries of one post to a working group, everything included (session, user, second factor, CPTS access,
# read rule, message, two audit entries, notifications, unread counts, e-mail and push look-ups): 31 when the
# members' notifications are created, 27 when the next post is grouped into them (54 for both before the path
# was profiled, 36 / 32 before the read rule was checked once per request, the push look-up joined the
# recipients' and the session was renewed once a minute instead of written on every request).
CEILING = 31


def _group_of(cast, size: int, tag: str):
    """A working group of ``cast.member`` and ``size - 1`` other professionals of the CPTS."""
    group = working_group(cast, title=f"Groupe de {size}")
    others = User.objects.bulk_create(
        [
            User(email=f"{tag}{i}@cout.test", first_name="Pro", last_name=f"Fictif {tag} {i:02d}")
            for i in range(size - 1)
        ]
    )
    Membership.objects.bulk_create([Membership(cpts=cast.cpts, user=u, role=Role.MEMBER) for u in others])
    GroupMember.objects.bulk_create(
        [
            GroupMember(
                cpts=cast.cpts,
                group=group,
                user=u,
                status=GroupMember.Status.ACTIVE,
                joined_at=timezone.now(),
            )
            for u in others
        ]
    )
    return group


def _post(client, cast, group, n: int, capture) -> int:
    """Queries of one post, its after-commit delivery included."""
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = client.post(
            url("post_message", cast, group_id=group.pk),
            {"subject": f"Point {n}", "body": "Compte rendu de la réunion, sans mention."},
        )
    assert response.status_code == 302
    return len(queries)


@pytest.mark.postgres_only  # SQLite splits the 49 notifications' insert in two (999 parameters a statement)
@pytest.mark.django_db
def test_one_post_costs_the_same_queries_for_5_or_50_members(
    cast, client, django_capture_on_commit_callbacks
):
    small, big = _group_of(cast, 5, "p"), _group_of(cast, 50, "g")
    login(client, cast.member)
    client.get(url("groups", cast))  # the first page of the CPTS remembers it (User.last_cpts): not a post's
    counts = {}
    for name, group in (("small", small), ("big", big)):
        counts[name] = [_post(client, cast, group, n, django_capture_on_commit_callbacks) for n in (1, 2)]
        assert Message.objects.filter(group=group).count() == 2
        # Every other member was notified, once, the second post grouped into the first notification.
        unread = Notification.objects.filter(group_id=group.pk, read_at__isnull=True)
        assert unread.count() == (4 if group is small else 49)
        assert set(unread.values_list("count", flat=True)) == {2}
    assert counts["big"] == counts["small"], counts
    assert max(counts["big"]) <= CEILING, counts
