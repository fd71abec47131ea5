"""The registries' own logic, one module per job:

- ``population``: the population registry's records, verification and lookups;
- ``generator``: the synthetic population, written by the fastest path of each database;
- ``births``: birth registration, issuing a newborn's personal ID number;
- ``businesses``: the business registry's records, lookups and representative checks.
"""

from .births import Birth, RegistrationKeyReused, register_birth
from .businesses import check_representative, load_businesses, lookup_business
from .generator import generate_population
from .population import (
    Verification,
    load_population,
    lookup_person,
    normalise_name,
    personal_id_digest,
    verify_person,
)

__all__ = [
    "Birth",
    "RegistrationKeyReused",
    "Verification",
    "check_representative",
    "generate_population",
    "load_businesses",
    "load_population",
    "lookup_business",
    "lookup_person",
    "normalise_name",
    "personal_id_digest",
    "register_birth",
    "verify_person",
]
