"""Tokens made in the admin before API tokens were hashed (rest_framework.authtoken keeps them
in plain text) become hashed, expiring tokens with the same secret, so `Token <key>` still
works for whoever holds one; the plain-text copies are deleted."""

from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings


def drf_tokens_hashed(apps, schema_editor):
    DrfToken = apps.get_model("authtoken", "Token")
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    AuthToken.objects.bulk_create(
        AuthToken(
            digest=hash_token(old.key),
            token_key=old.key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=old.user_id,
            expiry=expiry,
        )
        for old in DrfToken.objects.all()
    )
    DrfToken.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(drf_tokens_hashed, migrations.RunPython.noop)]
