"""Database expressions Django does not ship, written for both of our databases."""

from django.db.models import CharField, Func
from django.db.models.lookups import Exact


class JSONType(Func):
    """The type of a JSON value as the database names it: "array" and "object" on both
    databases; the names of the others differ (PostgreSQL's "string", SQLite's "text")."""

    function = "JSON_TYPE"
    arity = 1
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_TYPEOF", **extra_context)


def json_type_is(field: str, json_type: str) -> Exact:
    """A CheckConstraint's condition: the column holds JSON of that type ("array" or
    "object", which both databases name alike)."""
    return Exact(JSONType(field), json_type)
