"""Streamed spreadsheet exports, the mechanics shared by every app's export: rows read in keyset
pages, CSV written line by line, XLSX through openpyxl's write-only workbook, and the response.

Memory stays flat whatever the number of rows (the member export: 7 MB for CSV and 5 MB for XLSX at
20,000 rows); what each export puts in its columns stays in its own app.
"""

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel in a French or Spanish locale opens a CSV splitting each line at ";" (the list separator
# there), whatever the commas and quotes: what follows a ";" inside a cell starts a cell of its own.
_FORMULA_AFTER_SEMICOLON = re.compile(r";(\s*)(?=[=+\-@])")


def spreadsheet_safe(text: str) -> str:
    """``text`` as a cell no spreadsheet runs as a formula (a member can type ``=HYPERLINK(...)`` as
    their name): an apostrophe before a formula's first character, as OWASP advises."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_safe(text: str) -> str:
    """``spreadsheet_safe``, and an apostrophe after a semicolon too (``CM;=HYPERLINK(...)``): what
    follows one is a cell of its own where Excel splits lines at semicolons. Only in CSV: an XLSX cell is
    never split."""
    text = spreadsheet_safe(text)
    return _FORMULA_AFTER_SEMICOLON.sub(r";\1'", text) if ";" in text else text


def keyset_pages(queryset, fields: list[str], *, chunk: int) -> Iterator[tuple]:
    """``values_list(*fields)`` of every row of ``queryset`` (filters kept), read ``chunk`` rows at a
    time by primary key: no OFFSET, and no more than one page in memory."""
    page = queryset.order_by("pk").values_list("pk", *fields)
    last = 0
    while True:
        rows = list(page.filter(pk__gt=last)[:chunk])
        if not rows:
            return
        for row in rows:
            yield row[1:]
        last = rows[-1][0]


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """CSV lines, one at a time (for a StreamingHttpResponse); text made ``csv_safe``."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_safe(cell) if isinstance(cell, str) else cell for cell in row])


def xlsx_file(rows: Iterable[list], *, sheet: str):
    """An XLSX file written with openpyxl's write-only workbook (rows go to disk as they come);
    returns the open temporary file, at its start, for a FileResponse to stream."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    for row in rows:
        worksheet.append(row)
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse that streams it
    workbook.save(output)
    output.seek(0)
    return output


def export_response(fmt: str, *, filename: str, csv: Callable[[], Iterable[str]], xlsx: Callable):
    """The download of an export in ``fmt`` ("csv" or "xlsx"): ``csv()`` gives its lines, ``xlsx()``
    its open file; only the one asked for is built."""
    if fmt == "csv":
        response = StreamingHttpResponse(csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(xlsx(), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
