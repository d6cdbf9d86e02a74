"""The audit key: entries are HMAC-signed with a key kept outside the database, rotation keeps old entries
verifiable, unkeyed entries written before the key existed still verify, production refuses to start
without a key."""

import hashlib
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from audit import keys
from audit.log import canonical, record
from audit.models import AuditEntry
from audit.tests.helpers import plain_hash_downgrading, rewrite_chain
from audit.verify import verify

ROOT = Path(__file__).resolve().parents[2]
OLD = "k2025:" + "A" * 43 + "="
NEW = "k2026:" + "B" * 43 + "="


def test_a_new_entry_is_signed_with_the_current_key(db):
    entry = record("login.failure", object_type="accounts.user", object_label="x@cast.test")

    assert (entry.version, entry.key_id) == (2, keys.keyring().current_id)
    assert entry.hash != hashlib.sha256(canonical(entry)).hexdigest()
    assert entry.hash == keys.keyring().sign(b"opencpts-audit-entry\n" + canonical(entry))


def test_entries_signed_with_an_older_key_still_verify_after_a_rotation(db, settings):
    settings.OPENCPTS_AUDIT_KEYS = [OLD]
    first = record("login.failure", object_label="a")
    settings.OPENCPTS_AUDIT_KEYS = [NEW, OLD]
    second = record("login.failure", object_label="b")

    assert (first.key_id, second.key_id) == ("k2025", "k2026")
    assert verify()[1] == []


def test_an_entry_whose_key_was_withdrawn_is_reported(db, settings):
    settings.OPENCPTS_AUDIT_KEYS = [OLD]
    entry = record("login.failure", object_label="a")
    settings.OPENCPTS_AUDIT_KEYS = [NEW]

    problems = verify()[1]

    assert [(p.kind, p.entry_id) for p in problems] == [("unknown-key", entry.pk)]
    assert "clé inconnue (« k2025 »)" in problems[0].message


def test_entries_written_before_the_key_existed_still_verify(cast):
    """The plain SHA-256 chain of before the migration (version 1) is still checked, link by link."""
    chain = cast.cpts.pk
    rewrite_chain(chain, 1, plain_hash_downgrading)  # what the migration leaves: every entry unkeyed
    assert set(AuditEntry.objects.filter(chain=chain).values_list("version", flat=True)) == {1}

    record("update", cpts_id=chain, object_type="cpts.cpts", object_id=str(chain))  # the first keyed entry

    assert verify()[1] == []
    assert AuditEntry.objects.filter(chain=chain).order_by("-seq").first().version == 2


def test_malformed_keys_are_refused(settings):
    for bad in (["nokeyid"], ["k1:not base64!"], ["k1:" + "QUJD"], [OLD, OLD]):
        with pytest.raises(ImproperlyConfigured):
            keys.parse_keys(bad)


def test_new_key_command_prints_a_usable_key():
    out = StringIO()
    call_command("audit_checkpoint", "--new-key", "k2027", stdout=out)

    ring = keys.parse_keys([out.getvalue().strip()])
    assert ring.current_id == "k2027"


def _start_outside_development(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCPTS_", "DJANGO_"))}
    env.update(
        {
            "OPENCPTS_DEV": "0",
            "SECRET_KEY": "x" * 50,
            "DJANGO_SETTINGS_MODULE": "opencpts.settings",
            "OPENCPTS_DOCUMENT_KEYS": "k1:" + "C" * 43 + "=",
            **extra,
        }
    )
    code = "import django; django.setup(); print('started')"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_an_audit_key():
    result = _start_outside_development()

    assert result.returncode != 0
    assert "OPENCPTS_AUDIT_KEYS must be set outside development" in result.stderr


def test_production_starts_with_an_audit_key():
    result = _start_outside_development(OPENCPTS_AUDIT_KEYS=NEW)

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
