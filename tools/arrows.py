"""Print the import graph between egov's parts: arrows with counts, and every cycle.

    python tools/arrows.py            # arrows between parts, part cycles, module cycles
    python tools/arrows.py --detail   # also each import behind each arrow (file:line)
    python tools/arrows.py --models   # also foreign keys between parts' models (needs Django)

An arrow ``a -> b (n)`` means n import statements in part ``a`` name a module of part ``b``,
function-level imports included: an import hidden in a function is still a dependency.
The allowed arrows are the layers in pyproject.toml (``[tool.importlinter]``), which
``make lint`` and ``tests/test_arrows.py`` enforce; this command shows the whole picture.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "egov"


def part_of(module: str) -> str:
    """``egov.dossiers.services`` -> ``dossiers``; the ``egov`` package itself -> ``egov``."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else pieces[0]


def build_graph() -> grimp.ImportGraph:
    """The import graph of ``src/egov``, function-level and TYPE_CHECKING imports included."""
    sys.path.insert(0, str(ROOT / "src"))
    return grimp.build_graph(PACKAGE, cache_dir=None)


def import_edges(graph: grimp.ImportGraph) -> list[tuple[str, str, int]]:
    """Every import statement between two egov modules: (importer, imported, line)."""
    edges = []
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            details = graph.get_import_details(importer=importer, imported=imported)
            for detail in details or [{"line_number": 0}]:
                edges.append((importer, imported, detail["line_number"]))
    return edges


def cycles(nodes: set[str], arrows: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(arrows.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(found)


def model_arrows() -> Counter[tuple[str, str]]:
    """Foreign keys (and one-to-one, many-to-many) from one part's models to another's."""
    import os

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.apps import apps

    counts: Counter[tuple[str, str]] = Counter()
    for model in apps.get_models():
        source = model.__module__
        if not source.startswith(PACKAGE + "."):
            continue
        for field in model._meta.get_fields(include_hidden=False):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = field.related_model.__module__
            if target.startswith(PACKAGE + ".") and part_of(target) != part_of(source):
                counts[part_of(source), part_of(target)] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="list the imports behind arrows")
    parser.add_argument("--models", action="store_true", help="also foreign keys between parts")
    options = parser.parse_args()

    graph = build_graph()
    edges = import_edges(graph)
    between: Counter[tuple[str, str]] = Counter()
    behind: dict[tuple[str, str], list[str]] = defaultdict(list)
    module_arrows: dict[str, set[str]] = defaultdict(set)
    for importer, imported, line in edges:
        module_arrows[importer].add(imported)
        source, target = part_of(importer), part_of(imported)
        if source != target:
            between[source, target] += 1
            behind[source, target].append(f"{importer}:{line} -> {imported}")

    print(f"Arrows between parts ({len(between)}; import statements, function-level included):")
    for (source, target), count in sorted(between.items()):
        print(f"  {source:<11} -> {target:<11} {count:>4}")
        if options.detail:
            for line in behind[source, target]:
                print(f"      {line}")

    part_arrows: dict[str, set[str]] = defaultdict(set)
    for source, target in between:
        part_arrows[source].add(target)
    part_cycles = cycles({part_of(m) for m in graph.modules}, part_arrows)
    print(f"\nCycles between parts ({len(part_cycles)}):")
    for component in part_cycles:
        print("  " + " <-> ".join(component))
        for source in component:
            for target in component:
                if (source, target) in between:
                    print(f"      {source} -> {target} ({between[source, target]})")

    module_cycles = cycles(set(graph.modules), module_arrows)
    print(f"\nCycles between modules ({len(module_cycles)}):")
    for component in module_cycles:
        print("  " + " <-> ".join(component))

    if options.models:
        print("\nForeign keys between parts' models:")
        for (source, target), count in sorted(model_arrows().items()):
            print(f"  {source:<11} -> {target:<11} {count:>4}")


if __name__ == "__main__":
    main()
