"""Demo data of interconnected procedures: the activations of ``data/interconnected.yaml`` and
the social-insurance officials of Ba Đình (the ward's people's committee and police have theirs
in the dossiers demo). Loaded by ``manage.py load_demo``, which runs the ``DEMO_DATA`` loaders."""

from django.conf import settings

from egov.dossiers.demo import demo_official

from .services import load_activations, read_activations

OFFICIALS = [
    ("tiepnhan.bhxh.badinh", "Lương Thị Thu", "000.31.07.H26", ["receiver"]),
    ("xuly.bhxh.badinh", "Phan Văn Tài", "000.31.07.H26", ["processor"]),
    ("pheduyet.bhxh.badinh", "Mai Thị Hạnh", "000.31.07.H26", ["approver"]),
]


def load_interconnected_demo() -> int:
    """Idempotent. Returns how many activations it stored."""
    for official in OFFICIALS:
        demo_official(*official)
    return load_activations(read_activations(settings.INTERCONNECTED_FILE))
