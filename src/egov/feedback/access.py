"""Who may answer feedback: an official with a role in the agency it was sent to."""

from typing import Any

from .models import Feedback


def may_answer(user: Any, feedback: Feedback) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_official", False)
        and user.roles_in(feedback.agency_id)
    )
