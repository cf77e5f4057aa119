from django.dispatch import Signal

# Sent inside the import's transaction with `results` (a list of ImportResult) when an
# import changed stored data; receivers that start work use transaction.on_commit.
data_imported = Signal()
