from django.contrib import admin
from rest_framework.authtoken.models import TokenProxy

# Tokens are made by their owners through the API and kept only as a hash (knox); a token
# made in DRF's admin page would be kept in plain text and no longer authenticates.
admin.site.unregister(TokenProxy)
