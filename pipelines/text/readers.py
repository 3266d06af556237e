"""Plain readers for CSV, TSV, JSON Lines and line corpora, with quarantine instead of drops."""
from __future__ import annotations

import csv
import fnmatch
import glob
import gzip
import io
import json
import os
from dataclasses import dataclass
from collections import Counter
from typing import Any, Callable, Iterable, Iterator

from tfpipe.files import count_lines, not_utf8, printable
from tfpipe.pipelines.text.config import DEFAULT_PATTERNS, ReaderConfig

# Reasons a row is quarantined; the counts are reported per reason.
EMPTY_TEXT = "empty_text"
INVALID_UTF8 = "invalid_utf8"
MISSING_TEXT = "missing_text"
MISSING_LABEL = "missing_label"
UNKNOWN_LABEL = "unknown_label"
MALFORMED_ROW = "malformed_row"
REASONS = (EMPTY_TEXT, INVALID_UTF8, MISSING_TEXT, MISSING_LABEL, UNKNOWN_LABEL, MALFORMED_ROW)
# What each reason means, quoted when a split ends up empty (tfpipe.task.Task).
EXPLANATIONS = {
    UNKNOWN_LABEL: "a label outside label_values or, when they are inferred, one that no train "
                   "row has: eval labels unseen in train; give each label several rows or "
                   "set label_values",
    EMPTY_TEXT: "empty or whitespace-only text",
    INVALID_UTF8: "bytes that do not decode with the configured encoding",
    MISSING_TEXT: "no value in the text column",
    MISSING_LABEL: "no value in the label column",
    MALFORMED_ROW: "not a JSON object",
}

# Files in a data folder that are documentation, not data.
_IGNORED_PREFIXES = ("readme", "license", "licence", "changelog")
_EXTENSION_FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl",
                      ".json": "jsonl", ".ndjson": "jsonl"}
_RAW_PREVIEW = 200


@dataclass(frozen=True)
class Row:
    """One valid example: text, optional label and where it came from."""

    text: str
    label: str | None
    source: str
    row: int


@dataclass(frozen=True)
class Quarantined:
    """One rejected row, with the reason and a short preview of what was read."""

    source: str
    row: int
    reason: str
    raw: str

    def to_json(self) -> dict[str, Any]:
        """Plain dict for quarantine files; 'source' names the file and row."""
        return {"source": f"{self.source} row {self.row}", "file": self.source, "row": self.row,
                "reason": self.reason, "raw": self.raw}


def resolve_format(path: str, configured: str | None) -> str:
    """The configured format, or the one implied by the file extension (under any .gz)."""
    if configured:
        return configured
    name = path[:-3] if path.lower().endswith(".gz") else path
    ext = os.path.splitext(name)[1].lower()
    if ext not in _EXTENSION_FORMATS:
        raise ValueError(f"cannot tell the format of {path!r} from its extension; "
                         f"set format=csv|tsv|jsonl")
    return _EXTENSION_FORMATS[ext]


def list_input_files(path: str, patterns: tuple[str, ...] | None, fmt: str | None) -> list[str]:
    """A file is itself; a glob its matching files; a folder every matching data file in it."""
    if os.path.isfile(path):
        return [path]
    if glob.has_magic(path) and not os.path.exists(path):
        found = sorted(glob.glob(path))
        matched = [p for p in found if os.path.isfile(p)]
        if not matched and found:
            raise FileNotFoundError(
                f"{path!r} matches only folders ({', '.join(found[:3])}"
                f"{', ...' if len(found) > 3 else ''}); give one folder, or a glob of files "
                f"such as {files_glob(path, patterns or _default_patterns(fmt))!r}")
        if not matched:
            raise FileNotFoundError(f"no input files match {path!r}")
        return matched
    if not os.path.isdir(path):
        raise FileNotFoundError(f"input data {path!r} does not exist")
    globs = patterns or _default_patterns(fmt)
    files = sorted(
        os.path.join(path, name) for name in os.listdir(path)
        if os.path.isfile(os.path.join(path, name))
        and not name.startswith(".")
        and not name.lower().startswith(_IGNORED_PREFIXES)
        and any(fnmatch.fnmatch(name, g) for g in globs))
    if not files:
        raise FileNotFoundError(
            f"no input files matching {', '.join(globs)} in {path!r}; the layouts read are a "
            "data file, a glob, a folder of data files, or (text) a folder with one sub-folder "
            "per class holding one document per file (format=folders)")
    return files


def files_glob(folders: str, patterns: tuple[str, ...]) -> str:
    """A glob of the data files inside the folders a glob matches: the first pattern that
    finds some, else the first pattern."""
    for pattern in patterns:
        if any(os.path.isfile(p) for p in glob.iglob(os.path.join(folders, pattern))):
            return os.path.join(folders, pattern)
    return os.path.join(folders, patterns[0])


def _default_patterns(fmt: str | None) -> tuple[str, ...]:
    """Patterns for a format, or every known data extension; each also gzip-compressed."""
    plain = DEFAULT_PATTERNS[fmt] if fmt else tuple(f"*{ext}" for ext in _EXTENSION_FORMATS)
    return plain + tuple(f"{pattern}.gz" for pattern in plain)


def has_undecodable(text: str) -> bool:
    """True when surrogateescape decoding left a marker for an invalid byte."""
    return not_utf8(text) is not None


def preview(value: Any) -> str:
    """A printable, bounded preview of a raw row."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           default=str)
    return printable(text)[:_RAW_PREVIEW]


def _pick(fields: list[str] | dict[str, Any], column: str | int, header: list[str] | None
          ) -> Any:
    """The value of a column by name or position; None when absent."""
    if isinstance(fields, dict):
        if isinstance(column, int):
            values = list(fields.values())
            return values[column] if -len(values) <= column < len(values) else None
        return fields.get(column)
    if isinstance(column, str):
        if header is None:
            raise ValueError(f"column {column!r} given by name but the file has no header; "
                             f"use a 0-based position")
        if column not in header:
            shown = str(header) if len(str(header)) <= 300 else f"{str(header)[:300]}...]"
            raise ValueError(f"column {column!r} not in header {shown}")
        column = header.index(column)
    return fields[column] if -len(fields) <= column < len(fields) else None


def _check_header(path: str, header: list[str], columns: list[str | int]) -> None:
    """Fail early, naming the file, when a column is not in the header (or the file is not
    text at all, which shows as a header of undecodable bytes)."""
    try:
        for column in columns:
            _pick(header, column, header)
    except ValueError as error:
        binary = any("\x00" in h or has_undecodable(h) for h in header)
        hint = ("; the file is not text (it holds NUL or undecodable bytes): pass a CSV, "
                "TSV or JSON Lines file" if binary else "; set text_column/label_column")
        raise ValueError(f"{path}: {error}{hint}") from None


def _check_row(source: str, row: int, text: Any, label: Any, with_label: bool, raw: Any
               ) -> Row | Quarantined:
    """Turn picked values into a Row or a Quarantined record."""
    if text is None:
        return Quarantined(source, row, MISSING_TEXT, preview(raw))
    text = text if isinstance(text, str) else str(text)
    label_text = None if label is None else (label if isinstance(label, str) else str(label))
    if has_undecodable(text) or (label_text is not None and has_undecodable(label_text)):
        return Quarantined(source, row, INVALID_UTF8, preview(raw))
    if not text.strip():
        return Quarantined(source, row, EMPTY_TEXT, preview(raw))
    if with_label:
        if label_text is None or not label_text.strip():
            return Quarantined(source, row, MISSING_LABEL, preview(raw))
        label_text = label_text.strip()
    return Row(text.strip(), label_text if with_label else None, source, row)


def read_decoded(path: str, encoding: str) -> str:
    """File content (of a .gz: uncompressed) decoded with invalid bytes kept as markers."""
    try:
        if path.lower().endswith(".gz"):
            with gzip.open(path, "rb") as compressed:
                data = compressed.read()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path}: cannot read: {error}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode(encoding, errors="surrogateescape")


def _lines(content: str) -> list[str]:
    """Lines split on LF only (not on NEL or other Unicode breaks), without the final empty."""
    lines = [line.rstrip("\r") for line in content.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _delimited_rows(path: str, cfg: ReaderConfig, fmt: str, with_label: bool
                    ) -> Iterator[Row | Quarantined]:
    """Rows of a CSV or TSV file."""
    source = os.path.basename(path)
    delimiter = cfg.delimiter or ("," if fmt == "csv" else "\t")
    quoting_on = cfg.quoting if cfg.quoting is not None else fmt == "csv"
    has_header = cfg.header if cfg.header is not None else True
    reader = csv.reader(io.StringIO(read_decoded(path, cfg.encoding), newline=""),
                        delimiter=delimiter,
                        quoting=csv.QUOTE_MINIMAL if quoting_on else csv.QUOTE_NONE,
                        strict=False)
    header: list[str] | None = None
    text_col = cfg.text_column if cfg.text_column is not None else ("text" if has_header else 0)
    label_col = cfg.label_column if cfg.label_column is not None else (
        "label" if has_header else 1)
    try:
        for fields in reader:
            line = reader.line_num
            if has_header and header is None:
                header = [h.strip() for h in fields]
                _check_header(path, header, [text_col] + ([label_col] if with_label else []))
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                yield Quarantined(source, line, EMPTY_TEXT, "")
                continue
            text = _pick(fields, text_col, header)
            label = _pick(fields, label_col, header) if with_label else None
            yield _check_row(source, line, text, label, with_label, delimiter.join(fields))
    except csv.Error as exc:
        raise ValueError(f"{path}: line {reader.line_num}: cannot parse {fmt}: {exc}") from exc


def _jsonl_rows(path: str, cfg: ReaderConfig, with_label: bool) -> Iterator[Row | Quarantined]:
    """Rows of a JSON Lines file; one object per line."""
    source = os.path.basename(path)
    text_col = cfg.text_column if cfg.text_column is not None else "text"
    label_col = cfg.label_column if cfg.label_column is not None else "label"
    for number, line in enumerate(_lines(read_decoded(path, cfg.encoding)), start=1):
        if not line.strip():
            yield Quarantined(source, number, EMPTY_TEXT, "")
            continue
        if has_undecodable(line):
            yield Quarantined(source, number, INVALID_UTF8, preview(line))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            yield Quarantined(source, number, MALFORMED_ROW, preview(line))
            continue
        if not isinstance(obj, dict):
            yield Quarantined(source, number, MALFORMED_ROW, preview(line))
            continue
        label = _pick(obj, label_col, None) if with_label else None
        yield _check_row(source, number, _pick(obj, text_col, None), label, with_label, obj)


def estimated_rows(path: str, cfg: ReaderConfig) -> int:
    """About how many rows a data file yields: its lines, less a CSV or TSV header."""
    fmt = resolve_format(path, cfg.format)
    has_header = fmt != "jsonl" and (cfg.header if cfg.header is not None else True)
    return max(count_lines(path) - int(has_header), 0)


def read_labelled_file(path: str, cfg: ReaderConfig) -> Iterator[Row | Quarantined]:
    """Every row of one labelled file as a Row or a Quarantined record."""
    fmt = resolve_format(path, cfg.format)
    if fmt == "jsonl":
        return _jsonl_rows(path, cfg, with_label=True)
    return _delimited_rows(path, cfg, fmt, with_label=True)


def read_corpus_file(path: str, encoding: str = "utf-8") -> Iterator[Row | Quarantined]:
    """Every line of a plain-text corpus as a Row (no label) or a Quarantined record."""
    source = os.path.basename(path)
    for number, line in enumerate(_lines(read_decoded(path, encoding)), start=1):
        yield _check_row(source, number, line, None, False, line)


def first_valid_row(path: str, read_fn: Callable[[str], Iterable[Row | Quarantined]]
                    ) -> tuple[Row | None, Counter]:
    """The first valid row of a file (reading no further) and the reasons seen before it."""
    reasons: Counter = Counter()
    for item in read_fn(path):
        if isinstance(item, Row):
            return item, reasons
        reasons[item.reason] += 1
    return None, reasons


def check_files_have_rows(files: list[str],
                          read_fn: Callable[[str], Iterable[Row | Quarantined]],
                          hint: str = "check format, header, quoting, column and label settings"
                          ) -> None:
    """Fail naming every file without a single valid row, and why its rows were rejected."""
    problems = []
    for path in files:
        row, reasons = first_valid_row(path, read_fn)
        if row is None:
            why = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())) or "empty"
            problems.append(f"{path} ({why})")
    if problems:
        raise ValueError(f"no valid row in {'; '.join(problems)}; {hint}")
