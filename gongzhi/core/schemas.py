"""The shared shapes of the JSON API (gongzhi/api.py): the base of every input schema, and the paginator.

In ``core`` (it imports no app) so that every app's schemas and routers import it without importing
the API root, which mounts those very routers.
"""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import field_validator

from .text import clean_text

# Every paginated list takes ``page`` and ``page_size`` within these bounds (the cases list, which pages
# itself, uses the same numbers): a page past the last one is an empty list, a page number that would
# overflow the database's OFFSET is refused with 422 before any query.
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 100


class Pages(PageNumberPagination):
    """THE paginator of the API: ``@paginate(Pages, page_size=…)``, never ninja's unbounded one."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, page_size: int = 50, **kwargs):
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)


def _clean(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value


class In(Schema):
    """THE base of every input schema of the API (request bodies, query filters): each text, also inside
    lists and objects, follows gongzhi.core.text (NUL, control characters, bidi overrides, invisible-only
    text refused with 422). Multi-line everywhere: the API cannot tell a title from a description.
    ``web/tests/test_input_text.py`` sends bad text to every text field of every request body."""

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value):
        return _clean(value)
