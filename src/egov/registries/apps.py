from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "egov.registries"
    label = "registries"
    verbose_name = "Cơ sở dữ liệu quốc gia / Base registries"
