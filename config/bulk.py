"""Writing many new rows at once: PostgreSQL's COPY where we have it, bulk INSERT elsewhere.

Imports of national files and runs of large funds write hundreds of thousands of rows; building
INSERT statements for them costs several times more than the database's own work, so on
PostgreSQL the rows are streamed with COPY inside the caller's transaction.
"""

import json
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone

from datacache.versions import data_changed


def _default(field: models.Field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def rows_insert(model: type[models.Model], rows: Sequence[dict], *, batch_size=2_000) -> int:
    """Inserts rows given as {attname: value}; fields left out take their defaults.

    Neither path sends model signals, so the data version is changed here."""
    if not rows:
        return 0
    data_changed()
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=batch_size)
        return len(rows)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: _default(f) for f in fields}
    is_json = {f.attname for f in fields if isinstance(f, models.JSONField)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            values = []
            for f in fields:
                value = row[f.attname] if f.attname in row else defaults[f.attname]
                values.append(json.dumps(value) if f.attname in is_json else value)
            copy.write_row(values)
    return len(rows)
