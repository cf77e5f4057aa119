"""A&E activity, one module per file format, with what they share beside them.

- nhse_monthly: NHS England's monthly CSVs by provider (2010 onwards)
- nhsr_monthly: the NHS-R monthly `ae_attendances` table (2016-04 to 2019-03)
- bbc_weekly: the BBC's weekly type 1 series by trust name (2010-11 to 2014-12)
- bbc_winter: the BBC's winter 2014-15 weekly sitrep file, with codes
- names: matching a name the weekly files use to an organisation (stored names, aliases)
- activity: the rows every A&E format plans, and writing them

The gap-fill formats (importers/gapfill.py) share activity and names.
"""

from .bbc_weekly import BbcWeekly
from .bbc_winter import BbcWinter
from .names import NameMatcher
from .nhse_monthly import NhseMonthly
from .nhsr_monthly import NhsrMonthly

__all__ = ["BbcWeekly", "BbcWinter", "NameMatcher", "NhseMonthly", "NhsrMonthly"]
