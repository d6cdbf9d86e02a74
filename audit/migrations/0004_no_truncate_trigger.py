"""On PostgreSQL, TRUNCATE of the audit tables is refused (TRUNCATE fires no row trigger, so the append-only
trigger of 0002 does not see it), and so is DELETE of a chain head. The test suite's flush between
transactional tests is the one caller allowed: it sets ``opencpts.allow_audit_truncate`` for its own
transaction (conftest.py). A database superuser or the tables' owner can still disable triggers: the signed
checkpoints outside the database (audit/checkpoints.py) are what detects that."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_no_truncate() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('opencpts.allow_audit_truncate', true), '') = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' cannot be truncated: the audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_auditchainhead
  FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
CREATE OR REPLACE FUNCTION audit_head_no_delete() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_auditchainhead rows cannot be deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_auditchainhead
  FOR EACH ROW EXECUTE FUNCTION audit_head_no_delete();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_auditchainhead;
DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_auditchainhead;
DROP FUNCTION IF EXISTS audit_no_truncate();
DROP FUNCTION IF EXISTS audit_head_no_delete();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_entry_version_and_key_id")]
    operations = [migrations.RunPython(forwards, backwards)]
