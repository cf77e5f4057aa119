"""API lists read as plain values: a list whose columns are declared (`list_columns`, a path
and an optional CsvFormat per dotted name, as its CSV has) is answered from one values
query, without a serializer instance per row; the JSON has the serializer's shape.

On PostgreSQL the database writes each row's JSON itself, with the formats its CSV's COPY
uses, so no row becomes Python values, a dict or orjson's input: the page is the rows' text
joined. Elsewhere the rows are read as values and turned into dicts here."""

import functools

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connection, models
from django.db.models import OuterRef, Subquery
from rest_framework.response import Response
from rest_framework.reverse import reverse

from .csv import CsvFormat, field_of
from .pagination import SYNC_PARAMETER
from .renderers import RawJson


def _nested(names: list[str]) -> list[tuple[str, ...]]:
    return [tuple(name.split(".")) for name in names]


def _paths(columns: dict) -> list[str]:
    return [spec if isinstance(spec, str) else spec[0] for spec in columns.values()]


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


# Fields whose value PostgreSQL's JSON writes as orjson writes the Python value (text,
# whole numbers, booleans); any other column needs a CsvFormat to be written in SQL.
AS_JSON = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def json_in_sql(model, columns: dict) -> bool:
    if connection.vendor != "postgresql":
        return False
    for spec in columns.values():
        if isinstance(spec, str):
            try:
                field = field_of(model, spec)
            except FieldDoesNotExist:  # an annotation: its JSON is not known to be Python's
                return False
            if isinstance(field, models.ForeignKey):
                field = field.target_field
            if not isinstance(field, AS_JSON):
                return False
    return True


def json_row_sql(columns: dict, values: list[str]) -> str:
    """An SQL expression of the value columns `values` (one per declared column): the row's
    JSON text, keys in the declared order, dotted names nested, formats applied. row_to_json
    writes as orjson does: no spaces, the same escapes."""
    entries: list[tuple[str, list[tuple[str, str]] | str]] = []
    groups: dict[str, list[tuple[str, str]]] = {}
    for (name, spec), value in zip(columns.items(), values, strict=True):
        cell = value if isinstance(spec, str) else spec[1].sql.format(v=value)
        parent, _, child = name.partition(".")
        if not child:
            entries.append((parent, cell))
        elif parent in groups:
            groups[parent].append((child, cell))
        else:
            groups[parent] = [(child, cell)]
            entries.append((parent, groups[parent]))

    def row_json(pairs) -> str:
        cells = ", ".join(f"{cell} AS {connection.ops.quote_name(key)}" for key, cell in pairs)
        return f"(SELECT row_to_json(j) FROM (SELECT {cells}) AS j)"

    return row_json(
        (key, cell if isinstance(cell, str) else row_json(cell)) for key, cell in entries
    )


def values_of(queryset, paths: list[str]):
    """values_list(*paths), a column of a nullable relation (`tranche__name`) read by a
    subquery rather than the outer join values_list adds. PostgreSQL plans each outer join
    into every order it might take (two of them were 1.6 of the 2.1 ms it spent planning a
    1,000-row allocations page), a subquery once; a row without the relation skips it and a
    row with it pays about a microsecond. A page is at most 1,000 rows, so a page never pays
    more than the joins' planning; CSVs, which stream every row, keep the joins."""
    read = []
    for path in paths:
        relation, _, name = path.partition("__")
        field = queryset.model._meta.get_field(relation) if name and "__" not in name else None
        if field is None or not (field.many_to_one and field.null):
            read.append(path)
            continue
        alias = f"{relation}_{name}_read"
        related = field.related_model.objects.filter(pk=OuterRef(field.attname)).order_by()
        queryset = queryset.annotate(**{alias: Subquery(related.values(name))})
        read.append(alias)
    return queryset.values_list(*read)


class JsonRowsQuery:
    """A values query whose slices are lists of each row's JSON text, written by PostgreSQL."""

    def __init__(self, values, columns: dict):
        self.values, self.columns = values, columns
        self.ordered, self.model = values.ordered, values.model

    def __getitem__(self, index: slice) -> list[str]:
        try:
            inner, params = self.values[index].query.sql_with_params()
        except EmptyResultSet:  # a filter no row can meet, such as a year no fund covers
            return []
        names = [f"c{i}" for i in range(len(self.columns))]
        # A projection of an ordered subquery keeps its order in PostgreSQL.
        statement = (
            f"SELECT {json_row_sql(self.columns, names)}::text "
            f"FROM ({inner}) AS r({', '.join(names)})"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return [text for (text,) in cursor.fetchall()]


# An id no row has, put in a reversed address to find where a row's id goes.
_ID_PLACEHOLDER = 987654321


def _sql_text(text: str) -> str:
    """Text as an SQL literal inside a statement that also takes %s parameters and is filled
    in by str.format."""
    quoted = "'" + text.replace("'", "''").replace("%", "%%") + "'"
    return quoted.replace("{", "{{").replace("}", "}}")


def identity_url(request, view_name: str) -> CsvFormat:
    """A row's address by its id, as DRF's HyperlinkedIdentityField writes it, as the format of
    the id column: reversed once a list instead of once a row."""
    address = reverse(view_name, kwargs={"pk": _ID_PLACEHOLDER}, request=request)
    # The last one: the id is in the path, whatever the host's name holds.
    prefix, _, suffix = address.rpartition(str(_ID_PLACEHOLDER))
    return CsvFormat(
        lambda pk: f"{prefix}{pk}{suffix}",
        f"{_sql_text(prefix)} || ({{v}})::text || {_sql_text(suffix)}",
    )


def json_rows(texts: list[str]) -> RawJson:
    return RawJson("[" + ",".join(texts) + "]")


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

    def get_list_columns(self) -> dict | None:
        return self.list_columns

    def list(self, request, *args, **kwargs):
        columns = self.get_list_columns()
        if (
            columns is None
            or request.accepted_renderer.format != "json"
            or SYNC_PARAMETER in request.query_params
        ):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        rows = values_of(queryset, _paths(columns))
        if json_in_sql(queryset.model, columns):
            rows, shaped = JsonRowsQuery(rows, columns), json_rows
        else:
            shaped = functools.partial(values_rows, columns=columns)
        page = self.paginate_queryset(CountedBy(rows, queryset))
        if page is None:
            return Response(shaped(rows[:]))
        return self.get_paginated_response(shaped(page))
