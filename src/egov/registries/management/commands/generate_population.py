from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.registries.services import generate_population
from egov.registries.services.generator import DEFAULT_PLACES


class Command(BaseCommand):
    help = (
        "Add invented people in households to the population registry (for trials and load "
        "tests). The same seed on the same registry and date gives the same people."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="how many people")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--province",
            nargs="+",
            default=[],
            metavar="CODE",
            help="three-digit province codes of the places file (default: all of them)",
        )
        parser.add_argument("--places", default=str(DEFAULT_PLACES), help="places file (YAML)")
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, help="reference date for ages"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = generate_population(
                options["count"],
                seed=options["seed"],
                provinces=options["province"],
                places_path=Path(options["places"]),
                as_of=options["as_of"],
            )
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"population registry: {result.people} people in {result.households} households "
            f"added in {result.seconds:.1f} s"
        )
