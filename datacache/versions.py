"""The data version: read once per cached request, changed by every write to the data."""

import uuid

from django.utils import timezone

from .models import DataVersion


def data_changed() -> str:
    """Gives the data a new version; call it inside the transaction that changed the data,
    so the new version and the new data become visible together."""
    token = uuid.uuid4().hex
    if not DataVersion.objects.filter(pk=1).update(token=token, changed_at=timezone.now()):
        token = DataVersion.objects.get_or_create(
            pk=1, defaults={"token": token, "changed_at": timezone.now()}
        )[0].token
    return token


def data_version() -> str:
    token = DataVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    return token or data_changed()
