"""What a person may do with their own account (pure functions: no writes)."""

from egov.identity.models import IdentityLevel, User, UserKind


def can_verify_with_registry(user: User) -> bool:
    """A citizen whose contact is proven (level 1) may ask the population registry to verify
    their identity (level 2); the service says why anyone else may not."""
    return user.kind == UserKind.CITIZEN and user.identity_level == IdentityLevel.LEVEL_1
