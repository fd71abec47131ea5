"""Reconciliation against a provider's statement: every kind of difference is listed."""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.payments import services
from egov.payments.models import Payment
from egov.payments.reconciliation import Difference, StatementError, read_statement, reconcile

from .conftest import bank_says

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> list[Payment]:
    """Three sandbox payments: two paid, one still pending."""
    made = []
    for n in range(3):
        payment = start_payment(copies_dossier(copies=n + 1), citizen)
        if n < 2:
            services.handle_callback("sandbox", bank_says(payment), "notification")
        payment.refresh_from_db()
        made.append(payment)
    return made


def statement(*rows: str) -> str:
    return "reference,transaction,amount,status,paid_at\n" + "\n".join(rows) + "\n"


def test_a_matching_statement_has_no_differences(settled: list[Payment]) -> None:
    text = statement(
        *(f"{p.reference},T{n},{p.amount},paid,2026-01-01" for n, p in enumerate(settled[:2]))
    )
    today = timezone.localdate()
    assert reconcile(read_statement(io.StringIO(text)), "sandbox", today, today) == []


def test_every_difference_is_listed(settled: list[Payment]) -> None:
    first, second, pending = settled
    text = statement(
        f"{first.reference},T1,{first.amount + 1000},paid,",  # amount differs
        f"{pending.reference},T3,{pending.amount},paid,",  # the bank has it paid, we do not
        "20260101FFFFFFFFFF,T9,5000,paid,",  # unknown to the platform
    )  # and the second payment is missing at the provider
    today = timezone.localdate()
    differences = reconcile(read_statement(io.StringIO(text)), "sandbox", today, today)
    assert set(differences) == {
        Difference("amount_mismatch", first.reference, str(first.amount), str(first.amount + 1000)),
        Difference("status_mismatch", pending.reference, "pending", "paid"),
        Difference("missing_on_platform", "20260101FFFFFFFFFF", "", "paid"),
        Difference("missing_at_provider", second.reference, "paid", ""),
    }


def test_a_failed_transaction_matches_an_expired_intent(settled: list[Payment]) -> None:
    pending = settled[2]
    Payment.objects.filter(pk=pending.pk).update(status="expired")
    text = statement(
        f"{pending.reference},T3,{pending.amount},failed,",
        *(f"{p.reference},T{n},{p.amount},paid," for n, p in enumerate(settled[:2])),
    )
    today = timezone.localdate()
    assert reconcile(read_statement(io.StringIO(text)), "sandbox", today, today) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("reference,amount\nX,1\n", "missing columns"),
        (statement("X,T,12.5,paid,"), "line 2: amount"),
        (statement("X,T,1,ok,"), "line 2: status"),
    ],
)
def test_a_bad_statement_names_line_and_problem(text: str, problem: str) -> None:
    with pytest.raises(StatementError, match=problem):
        read_statement(io.StringIO(text))


def test_the_command_lists_differences_and_fails(settled: list[Payment], tmp_path: Path) -> None:
    path = tmp_path / "statement.csv"
    path.write_text(
        statement(f"{settled[0].reference},T1,{settled[0].amount},paid,"), encoding="utf-8"
    )
    out = io.StringIO()
    today = timezone.localdate().isoformat()
    with pytest.raises(SystemExit) as exit_status:
        call_command(
            "reconcile_payments",
            str(path),
            "--provider",
            "sandbox",
            "--from",
            today,
            "--to",
            today,
            stdout=out,
        )
    assert exit_status.value.code == 1
    assert f"missing_at_provider\t{settled[1].reference}" in out.getvalue()
    assert "1 statement row(s), 1 difference(s)" in out.getvalue()
