"""Dossier API: applicants, back office and public tracking, with the pages' permission rules.

One module per router: ``applicant`` (/dossiers, with the back office's ``steps`` on each dossier
mounted on it), ``back_office`` (/backoffice), ``public`` (/tracking); ``schemas`` and ``inputs``
are what they answer and read."""

from . import applicant, back_office, public, steps

router = applicant.router
router.add_router("", steps.router)
backoffice_router = back_office.router
public_router = public.router

__all__ = ["backoffice_router", "public_router", "router"]
