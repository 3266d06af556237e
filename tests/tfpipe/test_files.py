"""Small file helpers: counting lines for progress estimates, checking a destination."""
from __future__ import annotations

import gzip

import pytest

from tfpipe.files import count_lines, unwritable_reason


@pytest.mark.parametrize("content, lines", [
    (b"", 0), (b"a\n", 1), (b"a\nb", 2), (b"a\n\nb\n", 3), (b"\n" * 5, 5)])
def test_count_lines_counts_an_unterminated_last_line_and_reads_gzip(tmp_path, content, lines):
    plain, packed = tmp_path / "f.txt", tmp_path / "f.txt.gz"
    plain.write_bytes(content)
    packed.write_bytes(gzip.compress(content))
    assert count_lines(str(plain)) == count_lines(str(packed)) == lines


def test_unwritable_reason_checks_a_destination_without_writing(tmp_path):
    (tmp_path / "a_file").write_text("x")
    assert unwritable_reason(str(tmp_path / "new" / "deeper" / "s.json")) is None
    assert unwritable_reason(str(tmp_path / "a_file")) is None
    assert unwritable_reason(str(tmp_path)) == "is a folder"
    assert unwritable_reason(str(tmp_path / "a_file" / "s.json")) == \
        f"{tmp_path / 'a_file'} is a file, not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_a_summary_file_that_cannot_be_written_stops_the_run_before_any_work(tmp_path, capsys):
    from tfpipe import cli

    (tmp_path / "a_file").write_text("x")
    code = cli.main(["run", "forecasting", "--workdir", str(tmp_path / "w"), "--quiet",
                     "--summary-file", str(tmp_path / "a_file" / "s.json")])
    assert code == 2 and capsys.readouterr().err.strip() == (
        f"tfpipe: error: --summary-file {tmp_path / 'a_file' / 's.json'}: "
        f"{tmp_path / 'a_file'} is a file, not a folder")
    assert not (tmp_path / "w").exists()
