from django.contrib import admin

from .models import ResultDocument, SigningCertificate


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    """Certificates are made by `setup_pki` or imported by `import_signing_certificate`; the
    encrypted keys are never shown."""

    list_display = ("kind", "agency", "subject", "source", "not_after", "active")
    list_filter = ("kind", "source", "active")
    search_fields = ("subject", "serial", "agency__code")
    fields = ("kind", "agency", "source", "subject", "serial", "not_before", "not_after", "active")
    readonly_fields = ("kind", "agency", "source", "subject", "serial", "not_before", "not_after")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(ResultDocument)
class ResultDocumentAdmin(admin.ModelAdmin):
    """Read-only: results change through signing and revocation only."""

    list_display = ("code", "title", "agency", "status", "issued_at", "revoked_at")
    list_filter = ("status", "agency")
    search_fields = ("code", "sha256", "dossier__code")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
