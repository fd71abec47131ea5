"""Reads of the shared kernel."""

from .models import Agency


def subtree_ids(agency: Agency) -> list[int]:
    """``agency`` and every agency below it (the tree is small: one query, walked here)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Agency.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [agency.pk]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found
