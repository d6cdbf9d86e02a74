"""The restore drill on the real PostgreSQL tools: pg_dump, pg_restore into a new database, checked from a
separate process (audit chains against the signed checkpoint, every document decrypted with the keys kept
apart), and the refusal to restore over data."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.checkpoints import write_checkpoint
from audit.models import AuditChainHead
from coordination import actions as coordination
from documents import crypto
from portability import backup
from portability.tests.conftest import fill
from tests.cast import make_cast

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
DRILL = "drill_portability_test"


@pytest.fixture
def checkpoint_file(settings, tmp_path):
    settings.OPENCPTS_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    return tmp_path / "checkpoints.jsonl"


def test_a_backup_restores_into_a_new_database_that_passes_every_check(
    checkpoint_file, tmp_path, monkeypatch
):
    server = backup.current_server()
    backup.drop_database(server, DRILL)
    filled = fill(make_cast())
    assert write_checkpoint() is not None
    chains = AuditChainHead.objects.count()
    out, err = io.StringIO(), io.StringIO()
    try:
        try:
            call_command("restore_drill", "--name", DRILL, "--keep", stdout=out, stderr=err)
        except CommandError:
            pytest.fail(out.getvalue() + err.getvalue())
        text = out.getvalue()
        assert "Exercice de restauration réussi" in text, text
        assert "pg_dump 15." in text and "contenus chiffrés lus : 2." in text
        assert f"({chains} chaînes à la même tête, 0 en avance)" in text

        # Later: the source moved on and was checkpointed again, and the restored database is read with a
        # document key that is not the one kept apart: both are reported.
        coordination.post_message(filled.group, filled.cast.member, "Après la sauvegarde.", subject="Suite")
        assert write_checkpoint() is not None
        monkeypatch.setenv("OPENCPTS_DOCUMENT_KEYS", crypto.new_key_entry("wrong"))
        check = backup.check_in_child(server.named(DRILL))
        assert not check["ok"] and len(check["content_failures"]) == 2
        assert "absente de OPENCPTS_DOCUMENT_KEYS" in check["content_failures"][0]
        assert any("[truncated]" in problem for problem in check["audit_problems"]), check["audit_problems"]
    finally:
        backup.drop_database(server, DRILL)
    assert not backup.database_exists(server, DRILL)


def test_a_restore_over_a_database_that_holds_tables_is_refused_before_anything(tmp_path):
    server = backup.current_server()
    dump = tmp_path / "nightly.dump"
    dump.write_bytes(b"PGDMP")  # never read: the target is checked first
    name = connection.settings_dict["NAME"]
    tables = backup.tables_in(server)
    for command in (
        ["restore_database", str(dump), "--into", name],
        ["restore_drill", "--dump", str(dump), "--name", name],
    ):
        with pytest.raises(CommandError, match=f"La base « {name} » n'est pas vide .* Rien n'a été restauré"):
            call_command(*command, stdout=io.StringIO())
    assert backup.tables_in(server) == tables
