"""Sync batches writing the same dossiers and counts at the same moment, on PostgreSQL: every
batch goes through, nothing is counted twice, the counts equal a rebuild."""

import pytest

from egov.core.models import Agency
from egov.insights import sync
from egov.insights.models import DossierFact
from egov.insights.services import rebuild_counts
from tests.dossiers.test_concurrency import run_together

from .conftest import count_rows
from .test_sync import HANOI, record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_batches_creating_and_updating_the_same_dossiers_at_once(
    agencies: dict[str, Agency],
) -> None:
    client, _ = sync.create_client("Cổng DVC Hà Nội", [agencies[HANOI]])
    sync.sync_dossiers(client, [record(f"C-{n:03d}") for n in range(0, 200, 2)])  # half exist
    # A later state of every dossier (received on another day), in four orders at once.
    records = [
        record(
            f"C-{n:03d}", NgayTiepNhan=f"2024010{6 + n % 3}090000", ThoiDiemCapNhat="20240110090000"
        )
        for n in range(200)
    ]
    orders = [records, records[::-1], records[70:] + records[:70], records[130:] + records[:130]]
    outcomes = run_together(
        *(lambda batch=batch: sync.sync_dossiers(client, batch) for batch in orders)
    )
    assert all(isinstance(o, sync.BatchResult) for o in outcomes), outcomes
    assert all(not o.rejected and o.applied + o.unchanged == 200 for o in outcomes)
    assert sum(o.applied for o in outcomes) == 200  # each dossier's new state applied once
    assert DossierFact.objects.filter(code__startswith="C-").count() == 200
    incremental = count_rows()
    rebuild_counts()
    assert count_rows() == incremental
