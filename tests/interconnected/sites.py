"""Two deployments for the interconnected procedures' tests: the city's portal (with the
data-sharing gateway and the population registry) and the social-insurance system, each with its
own database, web server and task worker; officials of each agency (``{role}.{agency code}``,
password ``Demo@2026`` and the demo authenticator) and a mother known to the registry."""

from pathlib import Path

from egov.dossiers.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.deployments import Site

__all__ = ["DEMO_PASSWORD", "DEMO_TOTP_SECRET"]

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
from egov.dossiers.demo import demo_official
from egov.records import pki
load_agencies(settings.AGENCIES_FILE)
load_catalog(settings.CATALOG_DIR)
pki.ensure_development_pki()
for agency in {agencies}:
    for role in ("receiver", "processor", "approver"):
        demo_official(f"{{role}}.{{agency}}", f"Cán bộ {{role}}", agency, [role])
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
create_citizen(personal_id="{mother}", full_name="Trần Thị Bình", password="Demo@2026",
               birth_date=date(1995, 4, 2), identity_level=2)
PopulationRecord.objects.create(personal_id="{mother}", full_name="Trần Thị Bình",
    birth_date=date(1995, 4, 2), sex="female", permanent_address="25 Liễu Giai, Ba Đình, Hà Nội")
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


def prepare(folder: Path) -> tuple[Site, Site]:
    """The portal and the social-insurance deployment, migrated and loaded (not yet serving;
    subscribe the portal once both run: ``subscribe(portal)``)."""
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
        PAYMENT_PROVIDER="sandbox",
    )
    portal.deployment.env |= {"SITE_URL": portal.url, "GATEWAY_URL": portal.url}
    insurance.deployment.env |= {"SITE_URL": insurance.url, "GATEWAY_URL": portal.url}
    gateway = folder / "gateway.yaml"
    gateway.write_text(GATEWAY, encoding="utf-8")
    for site, agencies in ((portal, [WARD, WARD_POLICE]), (insurance, [WARD_INSURANCE])):
        site.deployment.migrate()
        site.shell(PREPARE.format(agencies=agencies))
    portal.shell(PORTAL_DATA.format(gateway=gateway, service=SERVICE, mother=MOTHER))
    return portal, insurance


def subscribe(portal: Site) -> None:
    portal.deployment.manage(
        "subscribe_interconnected", TOPIC, f"{portal.url}/api/v1/interconnected/events"
    )


def part(site: Site, procedure: str) -> tuple:
    """(state, receipt code, result document id, note) of the portal's part of ``procedure``."""
    rows = site.query(
        "select state, receipt_code, result_document_id, note from interconnected_part"
        f" where procedure_code = '{procedure}'"
    )
    return rows[0] if rows else ("", "", None, "")
