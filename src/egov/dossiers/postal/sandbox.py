"""The built-in post office, for trials: fees from a small table, a consignment number per
order code, and statuses sent by the tester from its page (``/postal/sandbox/``) as signed
callbacks through the same endpoint a real provider calls. It never moves a parcel; do not
enable it where results are really posted."""

import hashlib

from django.conf import settings

from .base import Booking, Parcel, Place
from .vnpost import VnpostProvider

CLIENT_CODE = "SANDBOX"
#: Fees of the sandbox (VND): within the sender's province, elsewhere, and per extra 100 g.
SAME_PROVINCE, OTHER_PROVINCE, PER_EXTRA_100G = 18_000, 25_000, 3_000


def secret() -> str:
    return hashlib.sha256(
        f"egov.dossiers.postal.sandbox:{settings.SECRET_KEY}".encode()
    ).hexdigest()


def s10(serial: int, prefix: str = "EG", country: str = "VN") -> str:
    """A UPU S10 item identifier: two letters, 8 digits, the check digit, the country."""
    digits = f"{serial % 10**8:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"{prefix}{digits}{check}{country}"


class SandboxPost(VnpostProvider):
    name = "sandbox"

    def __init__(self) -> None:
        super().__init__(
            url="",
            client_code=CLIENT_CODE,
            secret=secret(),
            max_age=settings.POSTAL_CALLBACK_MAX_AGE,
        )

    def quote(self, sender: Place, recipient: Place, weight_grams: int) -> int:
        base = (
            SAME_PROVINCE
            if sender.province.casefold() == recipient.province.casefold()
            else OTHER_PROVINCE
        )
        return base + max(0, (weight_grams - 1) // 100) * PER_EXTRA_100G

    def book(self, parcel: Parcel) -> Booking:
        serial = int(hashlib.sha256(parcel.order_code.encode()).hexdigest(), 16)
        return Booking(
            consignment=s10(serial),
            fee=self.quote(parcel.sender, parcel.recipient, parcel.weight_grams),
        )
