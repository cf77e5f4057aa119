from ._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Imports organisations, names, successions, populations and budgets from the ODS "
        "reference files, the 2013 PCT-to-CCG lookup, CCG populations and CCG allocations. "
        "All or nothing."
    )
    category = "orgs"
