"""Database expressions Django does not ship, written for both of our databases."""

from django.db.models import CharField, Func


class JSONType(Func):
    """The type of a JSON value as the database names it: "array" and "object" on both
    databases; the names of the others differ (PostgreSQL's "string", SQLite's "text")."""

    function = "JSON_TYPE"
    arity = 1
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_TYPEOF", **extra_context)
