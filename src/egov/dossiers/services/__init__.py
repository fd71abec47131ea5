"""Every write to a dossier is one of these verbs.

Each checks the actor's capacity and the dossier's state, changes the state and appends the event
in one transaction, and schedules notifications for after the commit. Pages, API, admin and tests
call them; nothing else saves a dossier. One module per job:

- ``steps``: how a step is taken (lock, checks, guards and hooks, the event), the legal deadline;
- ``components``: uploads, the online form as declaration, completeness;
- ``filing``: drafts and online submission, filing at the counter, receipt codes;
- ``applicant``: supplement, withdraw, rate;
- ``back_office``: intake to the result handed over (the longer time for verification too);
- ``verbs``: what other parts may do to a dossier (events, reuse, the signed result, payment);
- ``digitisation``: paper components scanned and filed;
- ``delivery``: how the result is received (online, counter, post), the consignment and its
  statuses.

The kernel refusals the verbs raise (``egov.core.errors``) can be caught from here too.
"""

from egov.core.errors import InvalidInput, NotAllowed, NotFound, StaleVersion, WrongState

from .applicant import provide_supplement, rate, withdraw
from .back_office import (
    apologise,
    approve,
    assign,
    extend_for_verification,
    propose,
    receive,
    refuse_intake,
    reject,
    request_supplement,
    return_result,
    send_back,
    set_result_draft,
)
from .components import Upload, completeness_errors, from_online_form, store_upload
from .delivery import (
    DeliveryChoice,
    PostalUnavailable,
    PreparedDelivery,
    book_consignment,
    change_delivery,
    delivery_of,
    postal_fee,
    receive_callback,
    retry_booking,
)
from .digitisation import (
    Digitised,
    check_digitisation,
    is_digitised,
    record_digitisation,
    scan_of,
)
from .filing import (
    IdentityLevelRequired,
    find_or_create_citizen,
    save_draft,
    start_draft,
    submit,
    submit_at_counter,
    submit_forwarded,
    submit_online,
)
from .steps import (
    WORKDAY_END,
    check_action,
    legal_deadline,
    lock_dossier,
)
from .verbs import (
    attach_document,
    attach_signed_result,
    record_event,
    request_payment,
)

__all__ = [
    "WORKDAY_END",
    "DeliveryChoice",
    "Digitised",
    "IdentityLevelRequired",
    "InvalidInput",
    "NotAllowed",
    "NotFound",
    "PostalUnavailable",
    "PreparedDelivery",
    "StaleVersion",
    "Upload",
    "WrongState",
    "apologise",
    "approve",
    "assign",
    "attach_document",
    "attach_signed_result",
    "book_consignment",
    "change_delivery",
    "check_action",
    "check_digitisation",
    "completeness_errors",
    "delivery_of",
    "extend_for_verification",
    "find_or_create_citizen",
    "from_online_form",
    "is_digitised",
    "legal_deadline",
    "lock_dossier",
    "postal_fee",
    "propose",
    "provide_supplement",
    "rate",
    "receive",
    "receive_callback",
    "record_digitisation",
    "record_event",
    "refuse_intake",
    "reject",
    "request_payment",
    "request_supplement",
    "retry_booking",
    "return_result",
    "save_draft",
    "scan_of",
    "send_back",
    "set_result_draft",
    "start_draft",
    "store_upload",
    "submit",
    "submit_at_counter",
    "submit_forwarded",
    "submit_online",
    "withdraw",
]
