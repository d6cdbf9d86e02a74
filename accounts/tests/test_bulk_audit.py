"""Recovery codes are created in bulk (no model signal): the audit trail records their creation (ids, never
the codes)."""

import pytest

from accounts import twofactor
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_new_recovery_codes_are_recorded_without_their_values(cast):
    codes = twofactor.regenerate_recovery_codes(cast.member)

    (entry,) = AuditEntry.objects.filter(
        object_type="otp_static.statictoken", action="create", details__bulk=True
    )
    assert entry.chain == 0
    assert (entry.details["count"], entry.details["user_id"]) == (len(codes), cast.member.pk)
    assert not any(code in str(entry.details) for code in codes)
