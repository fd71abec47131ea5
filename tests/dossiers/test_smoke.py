from egov.dossiers.constants import Status


def test_a_dossier_goes_all_the_way(make_dossier):
    dossier = make_dossier(Status.RETURNED)
    kinds = list(dossier.events.values_list("kind", flat=True))
    assert kinds == [
        "draft_created",
        "submitted",
        "received",
        "assigned",
        "proposed",
        "result_drafted",
        "result_ready",
        "result_signed",
        "returned",
    ]
