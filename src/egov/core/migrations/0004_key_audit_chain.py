"""Re-key the audit chain: rows written with the unkeyed SHA-256 chain are checked under it and
re-hashed with HMAC-SHA256 under AUDIT_HMAC_KEY. A chain that does not verify stops the migration
(re-keying it would hide the tampering): investigate with the previous release's
`manage.py verify_audit_chain` first."""

from typing import Any

from django.db import migrations


def key_the_chain(apps: Any, schema_editor: Any) -> None:
    from egov.core import audit

    audit.rekey(
        b"", audit.chain_key(), apps.get_model("core", "AuditEntry"), apps.get_model("core", "AuditChainHead")
    )


def unkey_the_chain(apps: Any, schema_editor: Any) -> None:
    from egov.core import audit

    audit.rekey(
        audit.chain_key(), b"", apps.get_model("core", "AuditEntry"), apps.get_model("core", "AuditChainHead")
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_worker_heartbeat")]
    operations = [migrations.RunPython(key_the_chain, unkey_the_chain, elidable=False)]
