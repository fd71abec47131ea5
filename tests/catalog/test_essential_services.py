"""The 25 essential public services of Đề án 06 are all in the catalogue: each a current procedure
(or, for the two combined services of Decree 63/2024, an interconnected group) filed online and
performed by an agency of the demo tree, and each listed with its code in docs/catalog.md."""

from pathlib import Path

import pytest
from django.conf import settings

from egov.catalog.models import Procedure, ProcedureGroup
from egov.catalog.selectors import performing_agencies

pytestmark = pytest.mark.usefixtures("catalog")

#: Service number (as the national list numbers them) -> its procedures' codes.
ESSENTIAL = {
    1: ["2.001178"],  # confirmation of the old identity card number
    2: ["2.001194", "2.001195"],  # identity card reissue, exchange
    3: ["1.004222"],  # permanent residence
    4: ["1.004194"],  # temporary residence
    5: ["1.003677"],  # temporary absence
    6: ["2.001159"],  # stay notification
    7: ["1.000377"],  # motorcycle registration
    8: ["9.000004"],  # traffic fines detected by camera
    9: ["1.001193"],  # birth registration
    10: ["1.000656"],  # death registration
    11: ["1.000894"],  # marriage registration
    12: ["1.001456"],  # passport
    13: ["9.000005"],  # new seal
    14: ["9.000006"],  # miniature, embossed or wax seal
    17: ["9.000002"],  # household health-insurance renewal
    18: ["9.000007"],  # tax registration
    19: ["9.000008"],  # land change registration
    20: ["3.000347"],  # driving licence
    21: ["2.000488"],  # criminal record certificate
    22: ["1.005142"],  # graduation exam
    23: ["1.004412"],  # unemployment benefit
    24: ["9.000001"],  # electricity connection
    25: ["9.000003"],  # electricity contract party
}
#: The two combined services, interconnected groups of procedures.
GROUPS = {15: "2.000986", 16: "2.002622"}


def test_all_25_services_are_procedures_filed_online_where_an_agency_performs_them() -> None:
    assert sorted([*ESSENTIAL, *GROUPS]) == list(range(1, 26))
    for number, codes in ESSENTIAL.items():
        for code in codes:
            procedure = Procedure.objects.get(code=code, is_current=True)
            assert procedure.online_level != "none", (number, code)
            assert performing_agencies(procedure), (number, code)
    for number, code in GROUPS.items():
        group = ProcedureGroup.objects.get(code=code, is_current=True)
        for member in group.members:
            assert Procedure.objects.filter(code=member, is_current=True).exists(), (number, member)


def test_the_documentation_lists_each_service_with_its_code() -> None:
    text = (Path(settings.BASE_DIR) / "docs" / "catalog.md").read_text(encoding="utf-8")
    table = text.split("**Project 06 essential services.**", 1)[1].split("\n\n", 2)[1]
    rows = {int(line.split("|")[1]): line for line in table.splitlines()[2:]}
    assert sorted(rows) == list(range(1, 26))
    for number, codes in [*ESSENTIAL.items(), *((n, [c]) for n, c in GROUPS.items())]:
        for code in codes:
            assert f"`{code}`" in rows[number], (number, code)
