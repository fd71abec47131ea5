"""The registries' own logic, one module per job:

- ``population``: the population registry's records, verification and lookups;
- ``generator``: the synthetic population, written by the fastest path of each database;
- ``businesses``: the business registry's records, lookups and representative checks.
"""

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
    "Verification",
    "check_representative",
    "generate_population",
    "load_businesses",
    "load_population",
    "lookup_business",
    "lookup_person",
    "normalise_name",
    "personal_id_digest",
    "verify_person",
]
