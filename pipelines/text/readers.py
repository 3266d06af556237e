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
UNCLOSED_QUOTE = "unclosed_quote"
WRONG_FIELD_COUNT = "wrong_field_count"
WRONG_TYPE = "wrong_type"
REASONS = (EMPTY_TEXT, INVALID_UTF8, MISSING_TEXT, MISSING_LABEL, UNKNOWN_LABEL, MALFORMED_ROW,
           UNCLOSED_QUOTE, WRONG_FIELD_COUNT, WRONG_TYPE)
# What to do about a file whose every row has one of these reasons.
_FIXES = {
    INVALID_UTF8: "save the file as UTF-8 or give its encoding with --set encoding=NAME "
                  "(such as latin-1 or cp1252)",
    UNCLOSED_QUOTE: "close the quote, or set quoting=false",
    WRONG_FIELD_COUNT: "quote fields that hold the delimiter",
    WRONG_TYPE: "give texts as JSON strings and labels as strings or integers",
}
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
    UNCLOSED_QUOTE: "a line where a quote opens and is not closed, and each line after it read "
                    f"into that field; {_FIXES[UNCLOSED_QUOTE]}",
    WRONG_FIELD_COUNT: "more or fewer fields than the header (or, without one, the first row) "
                       "has: a delimiter inside an unquoted field, or a missing one; "
                       f"{_FIXES[WRONG_FIELD_COUNT]}",
    WRONG_TYPE: "a JSON text that is not a string, or a label that is neither a string nor "
                "an integer",
}

# Files in a data folder that are documentation, not data.
_IGNORED_PREFIXES = ("readme", "license", "licence", "changelog")
_EXTENSION_FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl",
                      ".json": "jsonl", ".ndjson": "jsonl"}
_RAW_PREVIEW = 200
# How much of a file that is not text a message shows.
_BINARY_PREVIEW = 40
# Python's csv default (128 KiB) fails a whole run on one long document; this still bounds
# what a runaway field can take.
_FIELD_LIMIT = 256 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


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
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """Plain dict for quarantine files; 'source' names the file and row."""
        record = {"source": f"{self.source} row {self.row}", "file": self.source,
                  "row": self.row, "reason": self.reason, "raw": self.raw}
        return {**record, "detail": self.detail} if self.detail else record


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
        files = [p for p in found if os.path.isfile(p)]
        matched = [p for p in files if not is_documentation(os.path.basename(p))]
        if not files and found:
            raise FileNotFoundError(
                f"{path!r} matches only folders ({', '.join(found[:3])}"
                f"{', ...' if len(found) > 3 else ''}); give one folder, or a glob of files "
                f"such as {files_glob(path, patterns or _default_patterns(fmt))!r}")
        if not matched and files:
            raise FileNotFoundError(
                f"{path!r} matches only documentation ({', '.join(files[:3])}"
                f"{', ...' if len(files) > 3 else ''}), which is never read as data; give "
                "the data files")
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
        and not is_documentation(name)
        and any(fnmatch.fnmatch(name, g) for g in globs))
    if not files:
        raise FileNotFoundError(
            f"no input files matching {', '.join(globs)} in {path!r}; the layouts read are a "
            "data file, a glob, a folder of data files, or (text) a folder with one sub-folder "
            "per class holding one document per file (format=folders)")
    return files


def is_documentation(name: str) -> bool:
    """Whether a file name is a README, LICENSE or CHANGELOG: skipped in folders and globs."""
    return name.lower().startswith(_IGNORED_PREFIXES)


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


def preview(value: Any, limit: int = _RAW_PREVIEW) -> str:
    """A printable, bounded preview of a raw row: undecodable bytes and control characters
    (but tabs) as escapes."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           default=str)
    shown = "".join(char if char.isprintable() or char == "\t"
                    else char.encode("unicode_escape").decode("ascii")
                    for char in printable(text[:limit]))
    return shown[:limit]


def _bad_byte(text: str) -> str:
    """Which byte of text read with surrogateescape is not in the configured encoding."""
    char = next(c for c in text if "\udc80" <= c <= "\udcff")
    return f"byte 0x{ord(char) - 0xdc00:02x} does not decode"


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
    for column in columns:
        try:
            _pick(header, column, header)
        except ValueError as error:
            if any("\x00" in h or has_undecodable(h) for h in header):
                raise ValueError(
                    f"{path}: column {column!r} not in header; the file is not text (it "
                    f"starts \"{preview(','.join(header), _BINARY_PREVIEW)}\" and holds NUL or "
                    "undecodable bytes): pass a CSV, TSV or JSON Lines file") from None
            raise ValueError(f"{path}: {error}; set text_column/label_column") from None


def _check_row(source: str, row: int, text: Any, label: Any, with_label: bool, raw: Any
               ) -> Row | Quarantined:
    """Turn picked values into a Row or a Quarantined record."""
    if text is None:
        return Quarantined(source, row, MISSING_TEXT, preview(raw))
    text = text if isinstance(text, str) else str(text)
    label_text = None if label is None else (label if isinstance(label, str) else str(label))
    if has_undecodable(text) or (label_text is not None and has_undecodable(label_text)):
        return Quarantined(source, row, INVALID_UTF8, preview(raw),
                           _bad_byte(text + (label_text or "")))
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
    if data.startswith(_GZIP_MAGIC) and not path.lower().endswith(".gz"):
        raise ValueError(f"{path}: the file is gzip-compressed; name it "
                         f"{os.path.basename(path)}.gz, or decompress it")
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
    """Rows of a CSV or TSV file, each numbered by the line it starts on."""
    source = os.path.basename(path)
    delimiter = cfg.delimiter or ("," if fmt == "csv" else "\t")
    quoting_on = cfg.quoting if cfg.quoting is not None else fmt == "csv"
    has_header = cfg.header if cfg.header is not None else True
    csv.field_size_limit(_FIELD_LIMIT)  # here: Beam workers read in their own processes
    lines = io.StringIO(read_decoded(path, cfg.encoding), newline="").readlines()
    reader = csv.reader(lines, delimiter=delimiter,
                        quoting=csv.QUOTE_MINIMAL if quoting_on else csv.QUOTE_NONE,
                        strict=False)
    header: list[str] | None = None
    expected: tuple[int, str] | None = None  # fields per row, and whose count it is
    text_col = cfg.text_column if cfg.text_column is not None else ("text" if has_header else 0)
    label_col = cfg.label_column if cfg.label_column is not None else (
        "label" if has_header else 1)
    first = 1
    try:
        for fields in reader:
            record, first = lines[first - 1:reader.line_num], reader.line_num + 1
            row = first - len(record)
            if has_header and header is None:
                header = [h.strip() for h in fields]
                _check_header(path, header, [text_col] + ([label_col] if with_label else []))
                expected = (len(header), "the header has")
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                yield Quarantined(source, row, EMPTY_TEXT, "")
                continue
            text = _pick(fields, text_col, header)
            label = _pick(fields, label_col, header) if with_label else None
            checked = _check_row(source, row, text, label, with_label, delimiter.join(fields))
            if quoting_on and (len(record) > 1 or isinstance(checked, Quarantined)) \
                    and _quote_left_open(record, delimiter):
                yield from _unclosed_quote(source, row, record)
                continue
            if isinstance(checked, Row):
                expected = expected or (len(fields), "the first valid row has")
                if len(fields) != expected[0]:
                    checked = Quarantined(source, row, WRONG_FIELD_COUNT,
                                          preview(delimiter.join(fields)),
                                          f"{len(fields)} fields where {expected[1]} "
                                          f"{expected[0]}")
            yield checked
    except csv.Error as exc:
        raise ValueError(f"{path}: line {reader.line_num}: cannot parse {fmt}: {exc}") from exc


def _quote_left_open(record: list[str], delimiter: str) -> bool:
    """True when strict parsing fails on a record's lines: a quote opened and ran to the end
    of the file, or closed only at a quote on a later line."""
    try:
        list(csv.reader(record, delimiter=delimiter, strict=True))
    except csv.Error:
        return True
    return False


def _unclosed_quote(source: str, row: int, record: list[str]) -> Iterator[Quarantined]:
    """One record per line a quote left open swallowed, so each counts as lost."""
    last = row + len(record) - 1
    opened = (f"a quote opens on line {row} and is not closed"
              + (f" before line {last}, so {len(record) - 1} lines after it were read into "
                 "one field" if last > row else "")
              + ": a quote was probably left open; close it, or set quoting=false")
    for offset, line in enumerate(record):
        detail = opened if offset == 0 else f"read into the field a quote opened on line {row}"
        yield Quarantined(source, row + offset, UNCLOSED_QUOTE, preview(line.rstrip("\r\n")),
                          detail)


def _json_type_problem(field: str, value: Any, integer_ok: bool) -> str | None:
    """Why a JSON value cannot be a text (or with integer_ok, a label); None when it can."""
    if isinstance(value, str) or (integer_ok and isinstance(value, int)
                                  and not isinstance(value, bool)):
        return None
    kinds = ((type(None), "null"), (bool, "boolean"), (int, "number"),
             (float, "number with a decimal point or exponent"), (list, "array"),
             (dict, "object"))
    kind = next(name for cls, name in kinds if isinstance(value, cls))
    return f"{field} is a JSON {kind}; give a string" + (" or an integer" if integer_ok else "")


def _has(obj: dict[str, Any], column: str | int) -> bool:
    """True when a JSON object has the column (a key, or a position), even if null."""
    return column in obj if isinstance(column, str) else -len(obj) <= column < len(obj)


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
            yield Quarantined(source, number, INVALID_UTF8, preview(line), _bad_byte(line))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            yield Quarantined(source, number, MALFORMED_ROW, preview(line))
            continue
        if not isinstance(obj, dict):
            yield Quarantined(source, number, MALFORMED_ROW, preview(line))
            continue
        text = _pick(obj, text_col, None)
        label = _pick(obj, label_col, None) if with_label else None
        problem = ((_has(obj, text_col) and _json_type_problem("text", text, False))
                   or (with_label and _has(obj, label_col)
                       and _json_type_problem("label", label, True)))
        if problem:
            yield Quarantined(source, number, WRONG_TYPE, preview(obj), problem)
            continue
        yield _check_row(source, number, text, label, with_label, obj)


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
                 ) -> tuple[Row | None, Counter, Quarantined | None]:
    """The first valid row, the reasons seen before it and the first quarantined record."""
    reasons: Counter = Counter()
    first: Quarantined | None = None
    for item in read_fn(path):
        if isinstance(item, Row):
            return item, reasons, first
        reasons[item.reason] += 1
        first = first or item
    return None, reasons, first


def check_files_have_rows(files: list[str],
                          read_fn: Callable[[str], Iterable[Row | Quarantined]],
                          hint: str = "check format, header, quoting, column and label settings"
                          ) -> None:
    """Fail naming every file without a single valid row, why its rows were rejected, where
    the first was, and what to do."""
    problems = []
    fixes: list[str] = []
    for path in files:
        row, reasons, first = first_valid_row(path, read_fn)
        if row is None:
            why = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())) or "empty"
            where = f", the first on line {first.row}" if first else ""
            detail = f" ({first.detail})" if first and first.detail else ""
            problems.append(f"{path} ({why}){where}{detail}")
            fixes += [_FIXES[r] for r in sorted(reasons) if r in _FIXES and _FIXES[r] not in fixes]
    if problems:
        raise ValueError(f"no valid row in {'; '.join(problems)}; "
                         f"{'; '.join(fixes + [hint])}")
