"""The one pagination of the API's lists: ``?page=N&page_size=M``, both bounded.

Unbounded, a page number like 10^20 made an offset the database cannot hold (a 500); bounded, it
is a 422 in the documented error shape. Every paginated endpoint uses :func:`paginated`."""

from collections.abc import Callable
from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination, paginate

#: The furthest page a client may ask for, and the largest page.
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100


class BoundedPagination(PageNumberPagination):
    """Page-number pagination whose page and page size are validated, never clamped silently
    past what the database accepts."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="Trang (1…10000)")
        page_size: int | None = Field(
            None, ge=1, le=MAX_PAGE_SIZE, description="Số dòng một trang (1…100)"
        )

    def __init__(self, page_size: int = 20, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)


def paginated(page_size: int = 20) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a list endpoint returning a queryset: ``{items, count}`` one page at a time."""
    return paginate(BoundedPagination, page_size=page_size)
