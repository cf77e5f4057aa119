"""What a reader sees of a piece of a page: its text, inline tags gone (a block's break is not
kept), entities read, spaces collapsed."""

import csv
import io
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


def csv_rows(client, url: str, *, codes_starting: str) -> dict[str, dict[str, str]]:
    """A page's CSV download, its rows by ODS code: only the test's own organisations (their
    codes start alike), as the national data may be in the test database too."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    text = b"".join(response.streaming_content).decode()
    return {
        row["ods_code"]: row
        for row in csv.DictReader(io.StringIO(text))
        if row["ods_code"].startswith(codes_starting)
    }
