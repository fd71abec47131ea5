"""Counting an opinion sheet's answers: the one rule (``docs/cabinet.md``, "Rules").

A question is adopted when more than half of **all** the members it was sent to agree (Law on
Government Organisation: a Government decision needs a majority of all its members; no answer is
not agreement). When agreement is exactly half, the side the chair took wins: adopted if the
chair agreed. "Other opinion" counts as not agreeing; its text goes to the summary."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .constants import Choice, Outcome

if TYPE_CHECKING:
    from .models import Answer, Question


@dataclass(frozen=True)
class Count:
    members: int
    agree: int
    disagree: int
    other: int
    chair_agrees: bool

    @property
    def unanswered(self) -> int:
        return self.members - self.agree - self.disagree - self.other

    @property
    def outcome(self) -> Outcome:
        if 2 * self.agree > self.members or (2 * self.agree == self.members and self.chair_agrees):
            return Outcome.ADOPTED
        return Outcome.NOT_ADOPTED


def count(members: int, answers: Iterable[tuple[str, bool]]) -> Count:
    """The count of one question sent to ``members`` people, from each answer's choice and
    whether it is the chair's."""
    tally = dict.fromkeys(Choice.values, 0)
    chair_agrees = False
    for choice, by_chair in answers:
        tally[choice] += 1
        chair_agrees |= by_chair and choice == Choice.AGREE
    return Count(
        members=members,
        agree=tally[Choice.AGREE],
        disagree=tally[Choice.DISAGREE],
        other=tally[Choice.OTHER],
        chair_agrees=chair_agrees,
    )


@dataclass(frozen=True)
class QuestionTally:
    """A question, its count and its answers (for the secretariat, or once published)."""

    question: "Question"
    count: Count
    answers: "list[Answer]"
