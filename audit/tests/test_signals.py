"""Every create, update and delete of a domain object is traced, with changed field names only."""

import json
from decimal import Decimal

from django.urls import reverse

from audit.models import AuditEntry
from cpts.models import Dues, Membership
from tests.cast import PASSWORD


def _dues(cast, amount="30.00"):
    membership = Membership.objects.get(cpts=cast.cpts, user=cast.member)
    return Dues.objects.create(cpts=cast.cpts, membership=membership, year=2025, amount=Decimal(amount))


def _entries_for(obj, action):
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action)


def test_creating_a_domain_object_writes_a_create_entry_in_its_cpts_chain(cast):
    dues = _dues(cast)

    entry = _entries_for(dues, "create").get()
    assert entry.chain == cast.cpts.pk
    assert entry.cpts_id == cast.cpts.pk
    assert entry.details == {}


def test_updating_a_domain_object_records_the_changed_field_names(cast):
    dues = _dues(cast)
    dues.amount = Decimal("45.50")
    dues.paid = True
    dues.save()

    entry = _entries_for(dues, "update").get()
    assert entry.details == {"fields": ["amount", "paid"]}


def test_update_entry_never_contains_the_values(cast):
    dues = _dues(cast)
    dues.amount = Decimal("987.65")
    dues.save()

    entry = _entries_for(dues, "update").get()
    dumped = json.dumps(entry.details) + entry.object_label
    assert "987" not in dumped
    assert "30" not in json.dumps(entry.details)


def test_update_of_a_reloaded_object_records_only_what_changed(cast):
    dues = _dues(cast)
    reloaded = Dues.objects.get(pk=dues.pk)
    reloaded.paid = True
    reloaded.save()

    assert _entries_for(dues, "update").get().details == {"fields": ["paid"]}


def test_saving_an_unchanged_object_writes_no_update_entry(cast):
    dues = _dues(cast)
    Dues.objects.get(pk=dues.pk).save()

    assert not _entries_for(dues, "update").exists()


def test_deleting_a_domain_object_writes_a_delete_entry(cast):
    dues = _dues(cast)
    pk = dues.pk
    dues.delete()

    entry = AuditEntry.objects.get(object_type="cpts.dues", object_id=str(pk), action="delete")
    assert entry.chain == cast.cpts.pk


def test_creating_a_membership_is_traced_in_the_cpts_chain(cast):
    membership = Membership.objects.create(cpts=cast.cpts, user=cast.outsider)

    assert _entries_for(membership, "create").get().chain == cast.cpts.pk


def test_password_change_records_the_field_name_not_the_hash(cast):
    cast.outsider.set_password("Autre-Mot-De-Passe-2026!")
    cast.outsider.save()

    entry = _entries_for(cast.outsider, "update").get()
    assert entry.details == {"fields": ["password"]}
    assert cast.outsider.password not in json.dumps(entry.details)


def test_successful_login_writes_a_login_success_entry(client, cast):
    client.post(
        reverse("accounts:login"),
        {"email": cast.member.email, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.10",
    )

    entry = AuditEntry.objects.get(action="login.success")
    assert entry.object_id == str(cast.member.pk)
    assert entry.ip == "192.0.2.10"
    assert entry.chain == 0


def test_failed_login_writes_a_login_failure_entry_naming_the_email(client, cast):
    client.post(reverse("accounts:login"), {"email": cast.member.email, "password": "Mauvais-2026!"})

    entry = AuditEntry.objects.get(action="login.failure")
    assert entry.object_label == cast.member.email
    assert not AuditEntry.objects.filter(action="login.success").exists()


def test_failed_login_entry_does_not_contain_the_tried_password(client, cast):
    client.post(reverse("accounts:login"), {"email": cast.member.email, "password": "Secret-Essai-2026!"})

    entry = AuditEntry.objects.get(action="login.failure")
    assert "Secret-Essai" not in json.dumps(entry.details) + entry.object_label


def test_an_object_loaded_with_only_some_fields_is_traced_without_reloading_them(cast):
    dues = _dues(cast)
    partial = Dues.objects.only("pk", "paid").get(pk=dues.pk)  # deferred fields are not read by the snapshot
    partial.paid = True
    partial.save(update_fields=["paid"])

    assert _entries_for(dues, "update").get().details == {"fields": ["paid"]}
