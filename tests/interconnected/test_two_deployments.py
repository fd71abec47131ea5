"""Social insurance on a deployment of its own: two processes, each with its database, web
server and task worker. The city's portal (with the data-sharing gateway and the population
registry) files the birth and the residence; the health-insurance card goes to the social
insurance deployment through the gateway, and its statuses and signed result come back by the
gateway's publish/subscribe."""

import tempfile
from pathlib import Path

import pytest

from tests.deployments import wait_until

from .sites import (
    APPLY,
    MOTHER,
    PORTAL,
    PROCESS,
    WARD,
    WARD_INSURANCE,
    WARD_POLICE,
    part,
    prepare,
    subscribe,
)

pytestmark = pytest.mark.xdist_group("deployments")


def test_social_insurance_on_a_second_deployment() -> None:
    portal, insurance = prepare(Path(tempfile.mkdtemp(prefix="egov-lienthong-")))
    with insurance.running(), portal.running():
        subscribe(portal)
        code = portal.shell(APPLY.format(mother=MOTHER, ward=WARD)).split()[-1]
        assert code.startswith("LT-H26.31-")
        portal.shell(PROCESS.format(agency=WARD, procedure="1.001193"))

        # The birth's result: the number issued, the residence filed here, the card there.
        wait_until(lambda: part(portal, "1.000310")[0] == "filed", 90, "the card filed at BHXH")
        wait_until(lambda: part(portal, "1.004222")[0] == "filed", 30, "the residence filed")
        (child_id,) = portal.query("select issued from interconnected_application")[0]
        number = child_id.split('"')[3]
        [(receipt, form, forwarded)] = insurance.query(
            "select d.code, d.form_data, e.data from dossiers_dossier d join dossiers_dossierevent e"
            " on e.dossier_id = d.id where e.kind = 'submitted'"
        )
        assert number in form and PORTAL in forwarded
        assert part(portal, "1.000310")[1] == receipt
        assert insurance.query(
            "select count(*) from dossiers_dossiercomponent where code = 'GIAY_KHAI_SINH'"
        ) == [(1,)]

        # Its officials process it on their deployment; the status and the result come back.
        insurance.shell(PROCESS.format(agency=WARD_INSURANCE, procedure="1.000310"))
        wait_until(lambda: part(portal, "1.000310")[0] == "result", 90, "the card's result")
        portal.shell(PROCESS.format(agency=WARD_POLICE, procedure="1.004222"))
        wait_until(
            lambda: (
                portal.query("select status from interconnected_application") == [("completed",)]
            ),
            60,
            "the application completed",
        )
    # The mother's repository holds the three signed results, each from its agency.
    held = portal.query("select document_type, issuer_name from repository_repositorydocument")
    assert sorted(held) == [
        ("GIAY_KHAI_SINH", "Ủy ban nhân dân phường Ba Đình"),
        ("THE_BHYT", "Bảo hiểm xã hội cơ sở Ba Đình"),
        ("XAC_NHAN_CU_TRU", "Công an phường Ba Đình"),
    ]
    # The card held at the portal is the very file BHXH signed.
    [(portal_sha,)] = portal.query(
        "select sha256 from repository_repositorydocument where document_type = 'THE_BHYT'"
    )
    [(insurance_sha,)] = insurance.query(
        "select f.sha256 from dossiers_dossier d join core_storedfile f on f.id = d.result_file_id"
    )
    assert portal_sha == insurance_sha
    # Every event the portal applied was delivered through the gateway, none dead.
    assert portal.query("select status, count(*) from gateway_delivery group by status") == [
        ("delivered", portal.query("select count(*) from gateway_delivery")[0][0])
    ]
