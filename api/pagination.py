import datetime as dt
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination

SYNC_PARAMETER = "updated_since"
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class CheckedPageSize:
    """`page_size` from 1 to 1,000, or a 400 saying so (DRF would quietly use the default)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        if not text.isdigit() or not 1 <= int(text) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: f"a whole number from 1 to {self.max_page_size:,}"}
            )
        return int(text)


class SyncCursor(CheckedPageSize, CursorPagination):
    """Oldest change first, so a client that keeps the last `next` link misses nothing."""

    model = None

    def get_ordering(self, request, queryset, view):
        return view.sync_ordering

    def paginate_queryset(self, queryset, request, view=None):
        self.model, self.annotations = queryset.model, queryset.query.annotations
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """A cursor that is not one we wrote, or whose position is not a value of the field
        it pages by, is the client's mistake: a 400, never a 404 or a database error."""
        problem = {self.cursor_query_param: "not a cursor from a `next` link; start again"}
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError(problem) from None
        if cursor is not None and cursor.position is not None:
            try:
                position = self.position_field().to_python(cursor.position)
                if isinstance(position, dt.datetime):
                    # In UTC: PostgreSQL refuses offsets beyond 15:59, which Python allows.
                    position = position.astimezone(dt.UTC)
                    cursor = cursor._replace(position=position.isoformat())
            except (DjangoValidationError, OverflowError):
                raise ValidationError(problem) from None
        return cursor

    def position_field(self):
        name = self.ordering[0].lstrip("-")
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:  # an annotation, such as a run's changed_at
            return self.annotations[name].output_field

    def get_next_link(self):
        """On the last page, the link to call next time: it starts after the last row sent
        (or, when nothing was new, where this page started), so a client keeps one link."""
        if self.has_next:
            return super().get_next_link()
        if not self.page:
            return self.base_url
        position = self._get_position_from_instance(self.page[-1], self.ordering)
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))


# Past any list's last row, and within what a database will take as an OFFSET (a 64-bit
# integer): a page further on is counted, and refused, as Django refuses it.
MAX_OFFSET = 2**40


class CountedUnlessLast(Paginator):
    """Reads a page's rows before counting: a page with fewer rows than it holds is the
    last, so the rows before it and its own are the count, and the COUNT(*) (a second pass
    over every matching row) is not made. Most lists asked for fit in one page."""

    def page(self, number):
        if "count" in self.__dict__ or self.orphans or not isinstance(number, int | str):
            return super().page(number)
        try:
            wanted = int(number)
        except ValueError:
            return super().page(number)  # refused as Django refuses it
        bottom = (wanted - 1) * self.per_page
        if wanted < 1 or bottom > MAX_OFFSET:
            return super().page(number)
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if len(rows) < self.per_page and (rows or wanted == 1):
            self.count = bottom + len(rows)
        else:
            self.validate_number(wanted)  # counts; refuses a page past the last
        return self._get_page(rows, wanted, self)


class CountedApart:
    """Rows as Django's paginator reads them, a slice at a time, whose number a query of its
    own gives more cheaply than counting the rows themselves."""

    def __init__(self, rows, count: Callable[[], int]):
        self.rows, self._count = rows, count

    def count(self) -> int:
        return self._count()

    def __getitem__(self, cut: slice):
        return self.rows[cut]


class Pages(CheckedPageSize, PageNumberPagination):
    """Page numbers by default; a cursor when the client syncs with `updated_since`."""

    django_paginator_class = CountedUnlessLast
    cursor: SyncCursor | None = None

    def paginate_queryset(self, queryset, request, view=None):
        if SYNC_PARAMETER in request.query_params and hasattr(view, "sync_ordering"):
            self.cursor = SyncCursor()
            return self.cursor.paginate_queryset(queryset, request, view)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:  # not a number, or past the last page
            raise ValidationError({self.page_query_param: error.detail}) from None

    def get_paginated_response(self, data):
        if self.cursor is not None:
            return self.cursor.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["count"]["description"] = "absent when paging by cursor"
        paged["required"] = ["results"]
        return paged

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        if hasattr(view, "sync_ordering"):
            parameters += [
                p
                for p in SyncCursor().get_schema_operation_parameters(view)
                if p["name"] == SyncCursor.cursor_query_param
            ]
        return parameters
