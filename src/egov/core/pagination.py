"""The one pagination of every list: ``?limit=N&offset=M`` → ``{items, count}`` in the API, and
:func:`page_of` for the pages.

Both bounds are validated, never clamped silently: a limit over :data:`MAX_LIMIT` or an offset
over :data:`MAX_OFFSET` is a 422 in the documented error shape, not a short page the client
cannot tell from the end of the list, nor an offset the database cannot hold (a 500). No list
is cut at a fixed length behind the client's back: ``count`` is always the whole list's."""

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination, paginate

#: The largest page a client may ask for, and the furthest it may skip.
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


class BoundedLimitOffset(LimitOffsetPagination):
    """Limit/offset pagination whose bounds are validated; each endpoint has its default limit."""

    class Input(Schema):
        limit: int | None = Field(
            None,
            ge=1,
            le=MAX_LIMIT,
            description=f"Số dòng tối đa (1…{MAX_LIMIT}); mặc định tuỳ danh sách",
        )
        offset: int = Field(
            0, ge=0, le=MAX_OFFSET, description=f"Bỏ qua bao nhiêu dòng đầu (0…{MAX_OFFSET})"
        )

    def __init__(self, limit: int = 20, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
        self.default_limit = limit

    def paginate_queryset(
        self,
        queryset: QuerySet | Sequence[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        limit = pagination.limit or self.default_limit
        offset = pagination.offset
        return {
            self.items_attribute: queryset[offset : offset + limit],
            "count": queryset.count() if isinstance(queryset, QuerySet) else len(queryset),
        }


def paginated(limit: int = 20) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a list endpoint returning a queryset or a list: ``{items, count}``, ``limit``
    rows (``limit`` by default) from ``offset``."""
    return paginate(BoundedLimitOffset, limit=limit)


def page_of(request: HttpRequest, items: QuerySet | Sequence[Any], per_page: int) -> Page:
    """The page ``?page=N`` of a page view's list (the last one past the end, the first one for
    anything not a number)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
