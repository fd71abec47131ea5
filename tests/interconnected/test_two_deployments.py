"""Social insurance on a deployment of its own: two processes, each with its database, web
server and task worker. The city's portal (with the data-sharing gateway and the population
registry) files the birth and the residence; the health-insurance card goes to the social
insurance deployment through the gateway, and its statuses and signed result come back by the
gateway's publish/subscribe."""

import tempfile
from pathlib import Path

import pytest

from tests.deployments import Site, wait_until

pytestmark = pytest.mark.xdist_group("deployments")

PORTAL, INSURANCE = "000.00.00.H26/DVC", "000.00.07.H26/BHXH"
SERVICE, TOPIC = f"{INSURANCE}/lienthong", f"{INSURANCE}/lienthong-status"
WARD, WARD_POLICE, WARD_INSURANCE = "000.00.31.H26", "000.31.04.H26", "000.31.07.H26"
MOTHER = "001195000007"

#: The city's gateway: the portal, the population registry, and the social-insurance system
#: with its intake service and status topic (as data/gateway.yaml adds them in production).
GATEWAY = """
members:
  - {code: 000.00.00.G01/CSDLDC, name: Cơ sở dữ liệu quốc gia về dân cư}
  - {code: 000.00.00.H26/DVC, name: Cổng dịch vụ công Hà Nội, secret_env: GATEWAY_CLIENT_SECRET}
  - {code: 000.00.07.H26/BHXH, name: Hệ thống nghiệp vụ BHXH, secret_env: INSURANCE_SECRET}
services:
  - owner: 000.00.00.G01/CSDLDC
    code: population
    title: Dân cư
    upstream_url: ${SITE_URL}/api/v1/registries/population
    upstream_auth: bearer
    upstream_secret_env: POPULATION_REGISTRY_KEY
    grants: [{client: 000.00.00.H26/DVC}]
  - owner: 000.00.07.H26/BHXH
    code: lienthong
    title: Tiếp nhận hồ sơ liên thông
    upstream_url: ${INSURANCE_URL}/api/v1/interconnected/intake
    upstream_auth: bearer
    upstream_secret_env: INSURANCE_INTAKE_KEY
    grants: [{client: 000.00.00.H26/DVC}]
  - owner: 000.00.07.H26/BHXH
    code: lienthong-status
    kind: topic
    title: Trạng thái hồ sơ liên thông
    grants: [{client: 000.00.00.H26/DVC}]
"""

PREPARE = """
from pathlib import Path
from datetime import date
import yaml
from django.conf import settings
from egov.catalog.services import load_catalog
from egov.core.models import Agency
from egov.core.services import load_agencies
from egov.identity.officials.services import create_official
from egov.records import pki
load_agencies(settings.AGENCIES_FILE)
load_catalog(settings.CATALOG_DIR)
pki.ensure_development_pki()
for agency in {agencies}:
    for role in ("receiver", "processor", "approver"):
        create_official(username=f"{{role}}.{{agency}}", full_name=f"Cán bộ {{role}}",
                        password="Demo@2026x!", agency=Agency.objects.get(code=agency), roles=[role])
"""

PORTAL_DATA = """
from pathlib import Path
from datetime import date
import yaml
from django.conf import settings
from egov.gateway.services import load_directory
from egov.identity.services import create_citizen
from egov.interconnected.services import load_activations
from egov.registries.models import PopulationRecord
load_directory(Path("{gateway}"))
entries = yaml.safe_load(settings.INTERCONNECTED_FILE.read_text("utf-8"))
entries[0]["remote"] = {{"1.000310": "{service}"}}
load_activations(entries)
create_citizen(personal_id="{mother}", full_name="Trần Thị Bình", password="Demo@2026x!",
               birth_date=date(1995, 4, 2), identity_level=2)
PopulationRecord.objects.create(personal_id="{mother}", full_name="Trần Thị Bình",
    birth_date=date(1995, 4, 2), sex="female", permanent_address="25 Liễu Giai, Ba Đình, Hà Nội")
"""

SUBSCRIBE = """
from egov.interconnected import remote
remote.subscribe("{topic}", "{url}/api/v1/interconnected/events")
"""

APPLY = """
import io
from egov.catalog.models import ProcedureGroup
from egov.core.models import Agency
from egov.core.pdf import Document
from egov.dossiers.services import Upload
from egov.identity.models import User
from egov.interconnected import services
def pdf(title):
    document = Document(title); document.heading(title); data = document.to_bytes()
    return Upload(f"{{title}}.pdf", io.BytesIO(data), len(data))
form = {{"child_full_name": "Nguyễn Minh An", "child_birth_date": "2026-11-20", "child_sex": "Nữ",
        "birth_place": "Bệnh viện Phụ sản Hà Nội", "mother_full_name": "Trần Thị Bình",
        "relationship": "Mẹ", "residence_address": "25 Liễu Giai, phường Ba Đình, Hà Nội",
        "residence_basis": "Về ở với người thân (vợ/chồng, cha/mẹ, con…)"}}
application = services.submit_application(
    User.objects.get(username="{mother}"), ProcedureGroup.objects.get(code="2.000986", is_current=True),
    Agency.objects.get(code="{ward}"), [], form,
    {{"GIAY_CHUNG_SINH": pdf("Giấy chứng sinh"), "CHO_O_HOP_PHAP": pdf("Sổ đỏ")}})
print(application.code)
"""

#: Drives the dossier of one procedure at one agency to its signed result, as its officials do.
PROCESS = """
from egov.dossiers import services
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.payments import services as payments
dossier = Dossier.objects.get(agency__code="{agency}", procedure__code="{procedure}")
receiver, processor, approver = (User.objects.get(username=f"{{role}}.{{dossier.agency.code}}")
                                 for role in ("receiver", "processor", "approver"))
if dossier.awaiting_payment:
    payments.record_counter_payment(receiver, dossier.pk, "cash")
services.receive(dossier.pk, receiver, {{c.code: (True, "") for c in dossier.components.all()}})
services.assign(dossier.pk, receiver, processor)
services.propose(dossier.pk, processor)
services.approve(dossier.pk, approver)
print(dossier.code)
"""


def part(site: Site, procedure: str) -> tuple:
    rows = site.query(
        "select state, receipt_code, result_document_id, note from interconnected_part"
        f" where procedure_code = '{procedure}'"
    )
    return rows[0] if rows else ("", "", None, "")


def test_social_insurance_on_a_second_deployment() -> None:
    folder = Path(tempfile.mkdtemp(prefix="egov-lienthong-"))
    insurance = Site(
        folder,
        "bhxh",
        INTERCONNECTED_INTAKE_KEY="intake-key",
        INTERCONNECTED_STATUS_TOPIC=TOPIC,
        GATEWAY_CLIENT_ID=INSURANCE,
        GATEWAY_CLIENT_SECRET="insurance-secret",
    )
    portal = Site(
        folder,
        "hanoi",
        GATEWAY_CLIENT_ID=PORTAL,
        GATEWAY_CLIENT_SECRET="portal-secret",
        INSURANCE_SECRET="insurance-secret",
        INSURANCE_INTAKE_KEY="intake-key",
        INSURANCE_URL=insurance.url,
        POPULATION_REGISTRY_KEY="population-key",
    )
    portal.deployment.env |= {"SITE_URL": portal.url, "GATEWAY_URL": portal.url}
    insurance.deployment.env |= {"SITE_URL": insurance.url, "GATEWAY_URL": portal.url}
    gateway = folder / "gateway.yaml"
    gateway.write_text(GATEWAY, encoding="utf-8")
    for site, agencies in ((portal, [WARD, WARD_POLICE]), (insurance, [WARD_INSURANCE])):
        site.deployment.migrate()
        site.shell(PREPARE.format(agencies=agencies))
    portal.shell(PORTAL_DATA.format(gateway=gateway, service=SERVICE, mother=MOTHER))

    with insurance.running(), portal.running():
        portal.shell(SUBSCRIBE.format(topic=TOPIC, url=portal.url))
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
