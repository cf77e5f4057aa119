from rest_framework.pagination import CursorPagination, PageNumberPagination

SYNC_PARAMETER = "updated_since"


class SyncCursor(CursorPagination):
    """Oldest change first, so a client that keeps the last `next` link misses nothing."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_ordering(self, request, queryset, view):
        return view.sync_ordering


class Pages(PageNumberPagination):
    """Page numbers by default; a cursor when the client syncs with `updated_since`."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor: SyncCursor | None = None

    def paginate_queryset(self, queryset, request, view=None):
        if SYNC_PARAMETER in request.query_params and hasattr(view, "sync_ordering"):
            self.cursor = SyncCursor()
            return self.cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

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
