"""What a reader sees of a piece of a page: its text, inline tags gone (a block's break is not
kept), entities read, spaces collapsed."""

import re
from html import unescape

# NHS.UK's responsive tables repeat each column's heading inside its cells, shown beside the
# value on a phone only: a wider screen hides it, and it is not part of the value.
CELL_HEADING = re.compile(r'<span class="nhsuk-table-responsive__heading"[^>]*>.*?</span>')


def text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", CELL_HEADING.sub("", fragment))).split())


def list_items(html: str, heading: str) -> list[str]:
    """The text of each item of the list that follows the <h2> heading."""
    listed = re.search(rf"<h2>{re.escape(heading)}</h2>\s*<ul[^>]*>(.*?)</ul>", html, re.DOTALL)
    return [text(item) for item in re.findall(r"<li>(.*?)</li>", listed.group(1), re.DOTALL)]
