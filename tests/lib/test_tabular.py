"""The one CSV reader: whole files in memory, blank lines left out, every refusal naming the
file (and the line where there is one)."""

from pathlib import Path

from lib.tabular import Columns, Problems, table_parse

UPLOAD = Path("upload.csv")


def parsed(raw: bytes):
    problems = Problems("upload.csv")
    return table_parse(raw, UPLOAD, has_header=True, problems=problems), problems


def test_it_keeps_each_rows_line_number_past_blank_lines_and_a_byte_order_mark():
    table, problems = parsed(b"\xef\xbb\xbfods_code,amount\r\n\r\nR1H,100\r\n,\r\nRRK,5\r\n")
    assert not problems
    assert table.header == ["ods_code", "amount"]
    assert table.rows == [(3, ["R1H", "100"]), (5, ["RRK", "5"])]


def test_it_counts_a_quoted_line_break_as_part_of_its_row():
    table, _ = parsed(b'name,note\n"A","two\nlines"\nB,one\n')
    assert table.rows == [(3, ["A", "two\nlines"]), (4, ["B", "one"])]


def test_it_refuses_text_that_is_not_utf8_and_says_where():
    table, problems = parsed("ods_code\ncafé\n".encode("latin-1"))  # é is byte 12
    assert table is None
    [error] = problems.errors
    assert str(error).startswith("upload.csv: file: not UTF-8 text (byte 12:")


def test_it_refuses_an_empty_file():
    table, problems = parsed(b"\n\n")
    assert table is None
    assert [str(e) for e in problems.errors] == ["upload.csv: file: is empty"]


def test_columns_match_without_case_or_repeated_spaces():
    columns = Columns(["Org  Code", "AMOUNT"])
    assert columns.value(["R1H", " 100 "], "org code") == "R1H"
    assert columns.value(["R1H", " 100 "], "amount") == "100"
    assert columns.missing(["org code", "source"]) == ["source"]
