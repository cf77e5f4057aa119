"""Every write to the apps whose data pages are computed from changes the data version.

Model saves and deletes arrive as signals; the bulk paths that send none (COPY and bulk
INSERT in lib.bulk, which sends rows_written; bulk updates inside imports, run status updates)
call data_changed themselves or send trusts.signals.data_imported.
"""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from lib.bulk import rows_written
from trusts.signals import data_imported

from .versions import data_changed

WATCHED_APPS = ("trusts", "funding")


def _changed(sender, **kwargs) -> None:
    data_changed()


def connect() -> None:
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models():
            post_save.connect(_changed, sender=model, dispatch_uid=f"datacache-save-{model}")
            post_delete.connect(_changed, sender=model, dispatch_uid=f"datacache-delete-{model}")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _changed,
                    sender=field.remote_field.through,
                    dispatch_uid=f"datacache-m2m-{field}",
                )
    data_imported.connect(_changed, dispatch_uid="datacache-import")
    rows_written.connect(_changed, dispatch_uid="datacache-bulk")
