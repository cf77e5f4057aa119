"""The one CSV reader: whole files in memory, blank lines left out, every refusal naming the
file (and the line where there is one)."""

from pathlib import Path

from lib.tabular import Columns, Problems, table_chunks, table_parse

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


def chunks(tmp_path, raw: bytes, rows: int | None):
    path = tmp_path / "big.csv"
    path.write_bytes(raw)
    problems = Problems("big.csv")
    return list(table_chunks(path, has_header=True, problems=problems, rows=rows)), problems


def test_a_file_read_in_chunks_keeps_its_header_and_each_rows_line_number(tmp_path):
    tables, problems = chunks(tmp_path, b"\xef\xbb\xbfcode,n\r\nA,1\r\n\r\nB,2\r\nC,3\r\n", rows=2)
    assert not problems
    assert [table.header for table in tables] == [["code", "n"], ["code", "n"]]
    assert [table.rows for table in tables] == [
        [(2, ["A", "1"]), (4, ["B", "2"])],
        [(5, ["C", "3"])],
    ]


def test_without_a_chunk_size_the_whole_file_is_one_chunk(tmp_path):
    tables, _ = chunks(tmp_path, b"code,n\nA,1\nB,2\nC,3\n", rows=None)
    assert [len(table.rows) for table in tables] == [3]


def test_a_file_of_only_a_header_is_one_chunk_without_rows(tmp_path):
    # So that whoever reads the chunks still checks the header.
    tables, problems = chunks(tmp_path, b"code,n\n", rows=2)
    assert not problems
    assert [(table.header, table.rows) for table in tables] == [(["code", "n"], [])]


def test_a_file_not_in_utf8_is_refused_before_any_chunk_as_a_whole_one_is(tmp_path):
    raw = "code\n" + "A\n" * 70_000 + "café\n"  # the é is beyond the first 64 KB read
    tables, problems = chunks(tmp_path, raw.encode("latin-1"), rows=2)
    assert tables == []
    whole = Problems("big.csv")
    table_parse(raw.encode("latin-1"), UPLOAD, has_header=True, problems=whole)
    assert problems.errors == whole.errors
    assert str(problems.errors[0]).startswith(f"big.csv: file: not UTF-8 text (byte {5 + 140_003}")


def test_a_nul_byte_is_refused_before_any_chunk(tmp_path):
    tables, problems = chunks(tmp_path, b"code\nA\nB\x00\n", rows=1)
    assert tables == []
    assert [str(e) for e in problems.errors] == [
        "big.csv: file: contains NUL bytes; it is not a CSV file"
    ]


def test_a_csv_error_in_a_late_chunk_names_its_line_and_ends_the_chunks(tmp_path):
    overlong = b"x" * 200_000  # beyond the csv module's field limit
    tables, problems = chunks(tmp_path, b"code,n\nA,1\nB,2\nC,3\nD," + overlong + b"\n", rows=2)
    assert [len(table.rows) for table in tables] == [2]
    [error] = problems.errors
    assert (error.line, error.field) == (5, "file")
    assert error.reason.startswith("not valid CSV: field larger than field limit")
