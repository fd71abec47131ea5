"""Register a relying party (e.g. a second egov deployment) at this deployment's identity
provider, and print the client id and secret it is to be configured with."""

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model


class Command(BaseCommand):
    help = (
        "Register an OpenID Connect client (authorization code flow with S256 PKCE, ID tokens"
        " signed with RS256) and print its OIDC_CLIENT_ID and OIDC_CLIENT_SECRET. The secret is"
        " shown once: only its hash is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help='Shown to people on the consent page, e.g. "Cổng tỉnh B".')
        parser.add_argument(
            "redirect_uri",
            nargs="+",
            help="Where the provider may send people back, e.g. https://b.example/oidc/callback/",
        )
        parser.add_argument(
            "--post-logout-redirect-uri",
            nargs="*",
            default=None,
            help="Where the provider may send people after logging out of the client"
            " (RP-initiated logout); by default the home page of each redirect URI's site.",
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help="A public client (a mobile or browser app) without a secret; PKCE still applies.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        Application = get_application_model()
        name: str = options["name"]
        if Application.objects.filter(name=name).exists():
            raise CommandError(f'a client named "{name}" exists already')
        secret = "" if options["public"] else generate_client_secret()
        client = Application(
            name=name,
            client_type=(
                Application.CLIENT_PUBLIC if options["public"] else Application.CLIENT_CONFIDENTIAL
            ),
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(options["redirect_uri"]),
            post_logout_redirect_uris=" ".join(_post_logout_uris(options)),
            algorithm=Application.RS256_ALGORITHM,
            client_secret=secret,
        )
        try:
            client.full_clean()
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise CommandError(
                f"{problems} (a signing key is made by `manage.py rotate_oidc_key`)"
                if "algorithm" in error.message_dict
                else problems
            ) from error
        client.save()
        self.stdout.write(self.style.SUCCESS(f'registered "{name}"'))
        self.stdout.write(f"OIDC_CLIENT_ID={client.client_id}")
        if secret:
            self.stdout.write(f"OIDC_CLIENT_SECRET={secret}")
            self.stdout.write("Keep the secret now: only its hash is stored.")


def _post_logout_uris(options: dict[str, Any]) -> list[str]:
    given: list[str] | None = options["post_logout_redirect_uri"]
    if given is not None:
        return given
    homes = []
    for uri in options["redirect_uri"]:
        parts = urlsplit(uri)
        home = f"{parts.scheme}://{parts.netloc}/"
        if home not in homes:
            homes.append(home)
    return homes
