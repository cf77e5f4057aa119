from ._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Imports A&E attendances and four-hour breaches from NHS England's monthly CSVs, the "
        "NHS-R monthly table and the BBC weekly series. All or nothing."
    )
    category = "ae"
