from django.db import models


class DataVersion(models.Model):
    """A single row whose token changes once the writer's transaction commits, whenever stored
    organisations, A&E figures, funds or allocations change. Anything computed from them is
    cached under the token, so it is never served once the data behind it has changed."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="data_version_one_row")
        ]

    def __str__(self) -> str:
        return f"Data version {self.token[:8]}, changed {self.changed_at:%Y-%m-%d %H:%M:%S}"
