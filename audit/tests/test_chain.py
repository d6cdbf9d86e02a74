"""Hash chains: one per CPTS, consecutive positions, each entry linked to the previous one."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from audit.log import GENESIS, compute_hash, record
from audit.models import AuditChainHead, AuditEntry
from cpts.models import Dues, Membership


def _chain(chain):
    return list(AuditEntry.objects.filter(chain=chain).order_by("seq"))


def _some_dues(cast):
    for cpts, user in ((cast.cpts, cast.member), (cast.other, cast.other_coordinator)):
        membership = Membership.objects.get(cpts=cpts, user=user)
        Dues.objects.create(cpts=cpts, membership=membership, year=2025, amount=Decimal("20"))


def test_each_cpts_has_its_own_chain(cast):
    _some_dues(cast)

    assert AuditEntry.objects.filter(chain=cast.cpts.pk).exclude(cpts_id=cast.cpts.pk).count() == 0
    assert AuditEntry.objects.filter(chain=cast.other.pk).exclude(cpts_id=cast.other.pk).count() == 0
    assert AuditEntry.objects.filter(chain=cast.cpts.pk, object_type="cpts.dues").exists()
    assert AuditEntry.objects.filter(chain=cast.other.pk, object_type="cpts.dues").exists()


@pytest.mark.parametrize("which", ["cpts", "other"])
def test_chain_positions_are_consecutive_from_one(cast, which):
    _some_dues(cast)
    entries = _chain(getattr(cast, which).pk)

    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))


@pytest.mark.parametrize("which", ["cpts", "other"])
def test_each_entry_links_to_the_hash_of_the_previous_one(cast, which):
    _some_dues(cast)
    entries = _chain(getattr(cast, which).pk)

    assert entries[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))


def test_each_entry_hash_is_the_hash_of_its_content(cast):
    entries = _chain(cast.cpts.pk)

    assert all(compute_hash(e) == e.hash for e in entries)


def test_chain_head_holds_the_last_position_and_hash(cast):
    _some_dues(cast)
    last = _chain(cast.cpts.pk)[-1]

    head = AuditChainHead.objects.get(chain=cast.cpts.pk)
    assert (head.seq, head.last_hash) == (last.seq, last.hash)


def test_instance_events_go_to_chain_zero(db):
    entry = record("login.failure", object_type="accounts.user", object_label="x@cast.test")

    assert entry.chain == 0
    assert entry.cpts_id is None


def test_model_refuses_to_save_an_existing_entry(cast):
    entry = AuditEntry.objects.filter(chain=cast.cpts.pk).first()
    entry.object_label = "falsifié"

    with pytest.raises(PermissionError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).object_label != "falsifié"


def test_model_refuses_to_delete_an_entry(cast):
    entry = AuditEntry.objects.filter(chain=cast.cpts.pk).first()

    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists only on PostgreSQL"
)
def test_database_trigger_refuses_a_raw_update(cast):
    entry = AuditEntry.objects.filter(chain=cast.cpts.pk).first()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET object_label = 'falsifié' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).object_label != "falsifié"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists only on PostgreSQL"
)
def test_database_trigger_refuses_a_raw_delete(cast):
    entry = AuditEntry.objects.filter(chain=cast.cpts.pk).first()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
