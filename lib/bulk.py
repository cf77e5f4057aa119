"""Writing many new rows at once: PostgreSQL's COPY where we have it, bulk INSERT elsewhere.

Imports of national files and runs of large funds write hundreds of thousands of rows; building
INSERT statements for them costs several times more than the database's own work, so on
PostgreSQL the rows are streamed with COPY inside the caller's transaction.
"""

import json
from collections.abc import Sequence

from django.db import connection, models
from django.dispatch import Signal
from django.utils import timezone

# Sent (sender=the model) by every bulk write, which sends no model signals; the data cache
# listens to it to change the data version inside the writer's transaction.
rows_written = Signal()


def _default(field: models.Field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def rows_insert(model: type[models.Model], rows: Sequence[dict], *, batch_size=2_000) -> int:
    """Inserts rows given as {attname: value}; fields left out take their defaults."""
    if not rows:
        return 0
    fields = _insertable(model)
    defaults = {f.attname: _default(f) for f in fields}
    names = [f.attname for f in fields]
    values = [tuple(row[n] if n in row else defaults[n] for n in names) for row in rows]
    return values_insert(model, names, values, batch_size=batch_size)


def values_insert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence],
    *,
    batch_size=2_000,
) -> int:
    """Inserts rows given as tuples of the fields named (attnames), in that order; fields
    not named take their defaults.

    Neither path sends model signals, so rows_written is sent instead."""
    if not rows:
        return 0
    rows_written.send(sender=model)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=batch_size
        )
        return len(rows)
    by_name = {f.attname: f for f in _insertable(model)}
    named = set(names)
    defaulted = [f for name, f in by_name.items() if name not in named]
    every_name = [*names, *(f.attname for f in defaulted)]
    extra = tuple(_default(f) for f in defaulted)
    json_at = [i for i, n in enumerate(every_name) if isinstance(by_name[n], models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(by_name[n].column) for n in every_name)
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            values = [*row, *extra]
            for i in json_at:
                values[i] = _json_text(values[i])
            copy.write_row(values)
    return len(rows)


def rows_delete(rows: models.QuerySet) -> None:
    """DELETE ... WHERE, the rows never read: delete() loads each one to send post_delete
    and to cascade, holding a big import's rows in memory. Only for a table no other refers
    to; rows_written is sent instead, once."""
    if rows._raw_delete(rows.db):
        rows_written.send(sender=rows.model)


def _insertable(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _json_text(value) -> str:
    return "{}" if value == {} else json.dumps(value)


def planner_statistics_refresh() -> None:
    """ANALYZE, after a bulk load: the query planner's statistics of tables that grew from
    nothing in one go would say they are empty until autovacuum comes round, and plans made
    for empty tables read every row (both PostgreSQL and SQLite keep such statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
