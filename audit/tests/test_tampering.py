"""The five ways of rewriting the trail, and TRUNCATE, each detected by verify_audit.

A checkpoint is taken once the chain exists (as the `audit_checkpoint` cron would), then the database is
tampered with as its administrator could: triggers disabled, raw SQL, hashes recomputed without the key.
"""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.checkpoints import FileCheckpointStore
from audit.log import compute_hash
from audit.models import AuditChainHead, AuditEntry
from audit.tests.helpers import guessed_key_hash, plain_hash_downgrading, raw, rewrite_chain
from audit.verify import verify
from cpts.models import Dues, Membership

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE triggers are PostgreSQL's"
)


@pytest.fixture
def checkpoint_file(settings, tmp_path):
    path = tmp_path / "audit-checkpoints.jsonl"
    settings.OPENCPTS_AUDIT_CHECKPOINT_FILE = str(path)
    return path


@pytest.fixture
def chain(cast, checkpoint_file):
    """The test CPTS's chain (at least six entries, all checkpointed), in order."""
    membership = Membership.objects.get(cpts=cast.cpts, user=cast.member)
    for year in (2023, 2024, 2025):
        Dues.objects.create(cpts=cast.cpts, membership=membership, year=year, amount=Decimal("20"))
    call_command("audit_checkpoint", stdout=StringIO())
    entries = list(AuditEntry.objects.filter(chain=cast.cpts.pk).order_by("seq"))
    assert len(entries) >= 6
    return entries


def _run():
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


def _forge(entry):
    entry.object_label = "falsifié"


def test_an_intact_log_passes_against_its_checkpoint(chain):
    ok, out, err = _run()

    assert ok, err
    assert "Comparé au point de contrôle du" in out
    assert "Journal d'audit intègre" in out


# 1. An entry deleted in the middle.
def test_an_entry_deleted_in_the_middle_is_reported(chain):
    target = chain[2]
    raw("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])

    ok, _, err = _run()

    assert not ok
    assert f"[deleted] chaîne {target.chain} : entrée n° {target.seq} absente" in err


# 2. An entry edited.
def test_an_edited_entry_is_reported(chain):
    target = chain[2]
    raw("UPDATE audit_auditentry SET object_label = %s WHERE id = %s", ["falsifié", target.pk])

    ok, _, err = _run()

    assert not ok
    assert f"[edited] chaîne {target.chain} : l'entrée n° {target.seq} (id {target.pk}) a été modifiée" in err


# 3. A whole chain deleted with its head row.
def test_a_chain_deleted_with_its_head_is_reported_as_missing(chain):
    cpts_chain = chain[0].chain
    raw("DELETE FROM audit_auditentry WHERE chain = %s", [cpts_chain])
    raw("DELETE FROM audit_auditchainhead WHERE chain = %s", [cpts_chain])

    ok, _, err = _run()

    assert not ok
    assert f"[missing] chaîne {cpts_chain} absente : le point de contrôle du" in err
    assert f"en attestait {len(chain)} entrées" in err


# 4. The tail cut off and the head rewound.
def test_a_tail_cut_with_its_head_rewound_is_reported_as_truncated(chain):
    cpts_chain, kept = chain[0].chain, chain[:-2]
    raw("DELETE FROM audit_auditentry WHERE chain = %s AND seq > %s", [cpts_chain, kept[-1].seq])
    raw(
        "UPDATE audit_auditchainhead SET seq = %s, last_hash = %s WHERE chain = %s",
        [kept[-1].seq, kept[-1].hash, cpts_chain],
    )

    ok, _, err = _run()

    assert not ok
    assert f"[truncated] chaîne {cpts_chain} : {len(kept)} entrées trouvées, le point de contrôle du" in err
    assert f"en attestait {len(chain)} (fin de chaîne coupée" in err


def test_a_tail_cut_then_written_again_is_reported_as_rewritten(cast, chain):
    """After the cut, new (genuinely signed) entries fill the positions again: the checkpointed one
    differs."""
    cpts_chain, kept = chain[0].chain, chain[:-2]
    raw("DELETE FROM audit_auditentry WHERE chain = %s AND seq > %s", [cpts_chain, kept[-1].seq])
    raw(
        "UPDATE audit_auditchainhead SET seq = %s, last_hash = %s WHERE chain = %s",
        [kept[-1].seq, kept[-1].hash, cpts_chain],
    )
    membership = Membership.objects.get(cpts=cast.cpts, user=cast.member)
    for year in (2019, 2020, 2021):
        Dues.objects.create(cpts=cast.cpts, membership=membership, year=year, amount=Decimal("20"))

    _, problems = verify()

    assert [(p.kind, p.chain, p.seq) for p in problems] == [("rewritten", cpts_chain, chain[-1].seq)]


# 5. An entry edited and every following hash recomputed.
def test_an_edit_with_recomputed_hashes_under_a_guessed_key_is_reported(chain):
    target = chain[2]
    rewrite_chain(target.chain, target.seq, guessed_key_hash, edit=_forge)

    _, problems = verify()

    edited = sorted(p.seq for p in problems if p.kind == "edited")
    assert edited[0] == target.seq
    assert set(edited) == {e.seq for e in chain[2:]}


def test_an_edit_with_recomputed_plain_hashes_is_reported(chain):
    """The attacker calls the rewritten entries unkeyed (version 1): they follow keyed ones, refused."""
    target = chain[2]
    rewrite_chain(target.chain, target.seq, plain_hash_downgrading, edit=_forge)

    ok, _, err = _run()

    assert not ok
    assert (
        f"[edited] chaîne {target.chain} : l'entrée n° {target.seq} (id {target.pk}) se dit non signée" in err
    )


def test_a_whole_chain_rewritten_as_unkeyed_is_reported_by_the_checkpoint(chain):
    rewrite_chain(chain[0].chain, 1, plain_hash_downgrading, edit=_forge)

    _, problems = verify()

    assert [(p.kind, p.seq) for p in problems] == [("rewritten", chain[-1].seq)]


def test_a_chain_rewritten_with_the_stolen_key_is_reported_by_the_checkpoint(chain):
    """Key theft defeats the chain alone; the checkpoint written before still shows the rewrite."""
    target = chain[2]
    rewrite_chain(target.chain, target.seq, compute_hash, edit=_forge)

    _, problems = verify()

    assert [(p.kind, p.chain, p.seq) for p in problems] == [("rewritten", target.chain, chain[-1].seq)]


# The checkpoint file itself.
def test_a_checkpoint_line_edited_fails_its_signature(chain, checkpoint_file):
    data = json.loads(checkpoint_file.read_text())
    data["chains"][str(chain[0].chain)][0] = 1  # claim the chain was shorter
    checkpoint_file.write_text(json.dumps(data) + "\n")

    ok, _, err = _run()

    assert not ok
    assert "[checkpoint] point de contrôle ligne 1 : signature invalide (ligne falsifiée)" in err


def test_a_checkpoint_line_removed_from_the_middle_is_reported(chain, checkpoint_file):
    call_command("audit_checkpoint", "--force", stdout=StringIO())
    call_command("audit_checkpoint", "--force", stdout=StringIO())
    lines = checkpoint_file.read_text().splitlines()
    checkpoint_file.write_text("\n".join([lines[0], lines[2]]) + "\n")

    _, problems = verify()

    assert [(p.kind, p.seq) for p in problems] == [("checkpoint", 2)]
    assert "ne suit pas la ligne précédente" in problems[0].message


def test_a_checkpoint_is_added_only_when_a_chain_moved(cast, chain, checkpoint_file):
    call_command("audit_checkpoint", stdout=StringIO())
    assert len(checkpoint_file.read_text().splitlines()) == 1

    Dues.objects.create(
        cpts=cast.cpts,
        membership=Membership.objects.get(cpts=cast.cpts, user=cast.member),
        year=2018,
        amount=Decimal("20"),
    )
    call_command("audit_checkpoint", stdout=StringIO())

    assert len(checkpoint_file.read_text().splitlines()) == 2
    assert verify()[1] == []


def test_the_last_line_is_read_from_the_end_of_a_large_file(tmp_path):
    store = FileCheckpointStore(tmp_path / "big.jsonl")
    for line in ("a" * 200_000, "b" * 70_000, "c" * 10):
        store.append(line)

    assert store.last_line() == "c" * 10
    assert [len(line) for line in store.lines()] == [200_000, 70_000, 10]


def test_checkpoints_are_appended_and_exported(chain, checkpoint_file, tmp_path):
    call_command("audit_checkpoint", "--force", stdout=StringIO())
    exported = tmp_path / "export.jsonl"

    call_command("audit_checkpoint", "--export", str(exported), stdout=StringIO())

    lines = exported.read_text().splitlines()
    assert lines == checkpoint_file.read_text().splitlines()
    assert len(lines) == 2
    last = json.loads(lines[-1])
    heads = {str(h.chain): [h.seq, h.last_hash] for h in AuditChainHead.objects.all()}
    assert last["chains"] == heads
    assert last["chain_count"] == len(heads)
    assert set(last) == {"format", "at", "chain_count", "chains", "prev", "key_id", "sig"}


# TRUNCATE.
@on_postgresql
@pytest.mark.parametrize("table", ["audit_auditentry", "audit_auditchainhead"])
def test_truncate_is_refused_on_postgresql(chain, table):
    with pytest.raises(DatabaseError, match="cannot be truncated"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")

    assert AuditEntry.objects.filter(chain=chain[0].chain).count() == len(chain)


@on_postgresql
def test_deleting_a_chain_head_is_refused_on_postgresql(chain):
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditchainhead WHERE chain = %s", [chain[0].chain])


def test_a_forced_truncate_is_reported_from_the_checkpoint(chain):
    """As a superuser with the triggers disabled (or on SQLite, which has no TRUNCATE): every chain is
    gone."""
    if connection.vendor == "postgresql":
        raw("TRUNCATE audit_auditentry, audit_auditchainhead")
    else:
        raw("DELETE FROM audit_auditentry")
        raw("DELETE FROM audit_auditchainhead")

    ok, _, err = _run()

    assert not ok
    assert f"[missing] chaîne {chain[0].chain} absente" in err
    assert "[missing] chaîne 0 absente" in err


@pytest.mark.django_db(transaction=True)
def test_the_test_flush_may_still_empty_the_audit_tables(cast):
    """Transactional tests end with a flush (TRUNCATE on PostgreSQL): allowed for the flush's own transaction
    only (conftest.py sets opencpts.allow_audit_truncate there)."""
    assert AuditEntry.objects.exists()

    call_command("flush", interactive=False, verbosity=0)

    assert not AuditEntry.objects.exists()
    assert not AuditChainHead.objects.exists()
