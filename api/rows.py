"""API lists read as plain values: a list whose columns are declared (`list_columns`, a path
and an optional CsvFormat per dotted name, as its CSV has) is answered from one values
query, without a serializer instance per row; the JSON has the serializer's shape."""

import functools

from rest_framework.response import Response

from .pagination import SYNC_PARAMETER


def _nested(names: list[str]) -> list[tuple[str, ...]]:
    return [tuple(name.split(".")) for name in names]


def values_rows(rows, columns: dict) -> list[dict]:
    """Each row of a values_list query as the serializer's dict, dotted names nested."""
    keys = _nested(list(columns))
    # Each value formatted once a list: a run's rows share its finish time, and DRF's
    # DateTimeField looks up the time zone again for each one it writes.
    formats = [
        None if isinstance(spec, str) else functools.cache(spec[1].python)
        for spec in columns.values()
    ]
    result = []
    for row in rows:
        item: dict = {}
        for key, value, column_format in zip(keys, row, formats, strict=True):
            if column_format is not None and value is not None:
                value = column_format(value)
            if len(key) == 1:
                item[key[0]] = value
            else:
                item.setdefault(key[0], {})[key[1]] = value
        result.append(item)
    return result


class CountedBy:
    """A values query as Django's paginator sees it, counted by another query: the rows' own
    count would join every related table their columns come from, which cannot change how
    many rows there are (a forward relation joins at most one row)."""

    def __init__(self, rows, counted):
        self.rows, self.counted = rows, counted
        self.ordered, self.model = rows.ordered, rows.model

    def count(self) -> int:
        return self.counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return self.rows[index]


class ValuesListMixin:
    """The JSON list from `list_columns` when it has them; the browsable API, a sync by
    cursor (which pages by model instances) and a CSV go the usual way."""

    list_columns: dict | None = None

    def list(self, request, *args, **kwargs):
        columns = self.list_columns
        if (
            columns is None
            or request.accepted_renderer.format != "json"
            or SYNC_PARAMETER in request.query_params
        ):
            return super().list(request, *args, **kwargs)
        paths = [spec if isinstance(spec, str) else spec[0] for spec in columns.values()]
        queryset = self.filter_queryset(self.get_queryset())
        rows = queryset.values_list(*paths)
        page = self.paginate_queryset(CountedBy(rows, queryset))
        if page is None:
            return Response(values_rows(rows, columns))
        return self.get_paginated_response(values_rows(page, columns))
