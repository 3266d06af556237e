"""Small file helpers: counting lines for progress estimates."""
from __future__ import annotations

import gzip

import pytest

from tfpipe.files import count_lines


@pytest.mark.parametrize("content, lines", [
    (b"", 0), (b"a\n", 1), (b"a\nb", 2), (b"a\n\nb\n", 3), (b"\n" * 5, 5)])
def test_count_lines_counts_an_unterminated_last_line_and_reads_gzip(tmp_path, content, lines):
    plain, packed = tmp_path / "f.txt", tmp_path / "f.txt.gz"
    plain.write_bytes(content)
    packed.write_bytes(gzip.compress(content))
    assert count_lines(str(plain)) == count_lines(str(packed)) == lines
