"""verify_audit: passes on an intact log, detects and names edited, deleted and reordered entries."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from audit.tests.helpers import raw
from audit.verify import verify
from cpts.models import Dues, Membership


@pytest.fixture
def chain(cast):
    """The entries of the test CPTS chain, at least six of them, in order."""
    membership = Membership.objects.get(cpts=cast.cpts, user=cast.member)
    for year in (2023, 2024, 2025):
        Dues.objects.create(cpts=cast.cpts, membership=membership, year=year, amount=Decimal("20"))
    entries = list(AuditEntry.objects.filter(chain=cast.cpts.pk).order_by("seq"))
    assert len(entries) >= 6
    return entries


def _run():
    """(succeeded, stdout, stderr) of the management command."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


def test_intact_log_passes_and_says_how_many_entries_were_checked(chain):
    ok, out, err = _run()

    assert ok
    assert f"Journal d'audit intègre : {AuditEntry.objects.count()} entrées vérifiées." in out
    assert err == ""


def test_intact_log_has_no_problem(chain):
    checked, problems = verify()

    assert checked == AuditEntry.objects.count()
    assert problems == []


def test_edited_entry_fails_the_command(chain):
    raw("UPDATE audit_auditentry SET object_label = %s WHERE id = %s", ["falsifié", chain[2].pk])

    ok, _, err = _run()

    assert not ok
    assert "Journal d'audit altéré" in err


def test_edited_entry_is_named(chain):
    target = chain[2]
    raw("UPDATE audit_auditentry SET object_label = %s WHERE id = %s", ["falsifié", target.pk])

    _, _, err = _run()

    assert f"[edited] chaîne {target.chain} : l'entrée n° {target.seq} (id {target.pk}) a été modifiée" in err


def test_edited_details_are_detected_as_edited(chain):
    target = chain[3]
    raw("UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["quelqu'un d'autre", target.pk])

    _, problems = verify()

    assert [(p.kind, p.entry_id) for p in problems] == [("edited", target.pk)]


def test_deleted_entry_in_the_middle_is_named(chain):
    target = chain[2]
    raw("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])

    ok, _, err = _run()

    assert not ok
    assert f"[deleted] chaîne {target.chain} : entrée n° {target.seq} absente" in err


def test_deleted_entry_in_the_middle_is_the_only_problem(chain):
    target = chain[2]
    raw("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])

    _, problems = verify()

    assert [(p.kind, p.chain, p.seq) for p in problems] == [("deleted", target.chain, target.seq)]


def test_deleted_last_entry_is_named_as_truncated(chain):
    last = chain[-1]
    raw("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])

    ok, _, err = _run()

    assert not ok
    assert (
        f"[truncated] chaîne {last.chain} : la tête annonce {last.seq} entrées, {last.seq - 1} trouvées"
        in err
    )


def _swap_seq(first, second):
    raw("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [-1, first.pk])
    raw("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [first.seq, second.pk])
    raw("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [second.seq, first.pk])


def test_swapped_entries_fail_the_command(chain):
    _swap_seq(chain[2], chain[3])

    ok, _, err = _run()

    assert not ok
    assert "Journal d'audit altéré" in err


def test_swapped_entries_are_both_named_as_reordered(chain):
    first, second = chain[2], chain[3]
    _swap_seq(first, second)

    _, problems = verify()

    reordered = {(p.seq, p.entry_id) for p in problems if p.kind == "reordered"}
    assert {(first.seq, second.pk), (second.seq, first.pk)} <= reordered


def test_swapped_entries_are_reported_as_reordered_by_the_command(chain):
    first, second = chain[2], chain[3]
    _swap_seq(first, second)

    _, _, err = _run()

    assert f"[reordered] chaîne {first.chain} : l'entrée n° {first.seq} (id {second.pk})" in err
    assert f"[reordered] chaîne {first.chain} : l'entrée n° {second.seq} (id {first.pk})" in err


def test_tampering_with_one_chain_leaves_the_others_clean(cast, chain):
    raw("UPDATE audit_auditentry SET object_label = %s WHERE id = %s", ["falsifié", chain[2].pk])

    _, problems = verify()

    assert {p.chain for p in problems} == {cast.cpts.pk}
