from django.dispatch import receiver

from trusts.signals import data_imported

from . import services


@receiver(data_imported)
def recompute_funds_reading_imported_data(sender, results, **kwargs):
    categories = {result.category for result in results}
    names = ", ".join(r.file.rsplit("/", 1)[-1] for r in results)[:150]
    services.funds_reading_recompute(categories=categories, triggered_by=f"import of {names}")
