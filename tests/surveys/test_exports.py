"""Portrait exports (issue 9, item 7): one row per portrait, one column per question (a multiple
choice split into one column per choice, a ranking one column per topic with its rank), formulas
defused, the CSV streamed and the XLSX written by a write-only workbook."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import exports as portal_exports
from surveys import exports, results

from .results_helpers import fill, make_example, many_portraits, staff_with

pytestmark = pytest.mark.django_db


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_columns_and_values(client, survey):
    example = make_example(survey)
    client.force_login(staff_with("view_portrait"))
    response = client.get(reverse("surveys:staff_export", args=[survey.pk]), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="portraits-2020-')
    header, *rows = csv_rows(response)
    assert header[:8] == ["organisation", "country", "world region", "status", "submitted at", "submitted by",
                          "last change", "respondents"]
    assert header[8:] == [
        "Q1 Do you have a green infrastructure plan?",
        "Q2 Which challenges? — Heat waves", "Q2 Which challenges? — Floods", "Q2 Which challenges? — Other",
        "Q3 How advanced?", "Q4 Green area per inhabitant (m²)", "Q5 Department", "Q6 Describe",
        "Q7 Rank topics — Topic 1", "Q7 Rank topics — Topic 2", "Q7 Rank topics — Topic 3", "Q7 Rank topics — Topic 4",
        "Q8 Name of the plan",
    ]
    assert [row[0] for row in rows] == ["Lyon", "Madrid"]  # submitted only, by name; Porto's draft is not
    madrid = dict(zip(header, rows[1], strict=True))
    assert madrid["Q1 Do you have a green infrastructure plan?"] == "Yes"
    assert (madrid["Q2 Which challenges? — Heat waves"], madrid["Q2 Which challenges? — Floods"],
            madrid["Q2 Which challenges? — Other"]) == ("1", "1", "Drought")
    assert madrid["Q3 How advanced?"] == "4" and madrid["Q4 Green area per inhabitant (m²)"] == "12.5"
    assert [madrid[f"Q7 Rank topics — Topic {n}"] for n in range(1, 5)] == ["1", "", "2", ""]
    assert madrid["Q8 Name of the plan"] == "Plan Verde"
    assert madrid["respondents"] == example["madrid"].user.email and madrid["status"] == "submitted"
    lyon = dict(zip(header, rows[0], strict=True))
    assert (lyon["Q2 Which challenges? — Heat waves"], lyon["Q2 Which challenges? — Floods"]) == ("1", "0")
    assert lyon["Q5 Department"] == ""  # unanswered: blank
    with_drafts = csv_rows(client.get(reverse("surveys:staff_export", args=[survey.pk]),
                                      {"format": "csv", "drafts": "1"}))
    assert [row[0] for row in with_drafts[1:]] == ["Lyon", "Madrid", "Porto"]
    porto = dict(zip(header, with_drafts[3], strict=True))
    assert porto["Q2 Which challenges? — Heat waves"] == ""  # not answered: neither 1 nor 0


def test_formulas_are_defused_in_both_formats(client, survey):
    example = make_example(survey)
    fill(survey, example["dakar"], {"short": "=HYPERLINK(\"http://evil.example\")", "long": "@SUM(A1)",
                                    "multiple": ([], "+cmd|' /C calc'!A0")})
    client.force_login(staff_with("view_portrait"))
    url = reverse("surveys:staff_export", args=[survey.pk])
    rows = csv_rows(client.get(url, {"format": "csv"}))
    dakar = dict(zip(rows[0], next(row for row in rows if row[0] == "Dakar"), strict=True))
    assert dakar["Q5 Department"] == "'=HYPERLINK(\"http://evil.example\")"
    assert dakar["Q6 Describe"] == "'@SUM(A1)"
    assert dakar["Q2 Which challenges? — Other"] == "'+cmd|' /C calc'!A0"
    response = client.get(url, {"format": "xlsx"})
    assert isinstance(response, FileResponse)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = values[0]
    dakar = dict(zip(header, next(row for row in values if row[0] == "Dakar"), strict=True))
    assert dakar["Q5 Department"] == "'=HYPERLINK(\"http://evil.example\")"
    assert dakar["Q3 How advanced?"] is None
    madrid = dict(zip(header, next(row for row in values if row[0] == "Madrid"), strict=True))
    assert madrid["Q4 Green area per inhabitant (m²)"] == 12.5 and madrid["Q3 How advanced?"] == 4


def test_xlsx_uses_the_write_only_workbook(monkeypatch, survey):
    make_example(survey)
    made = []
    real = portal_exports.Workbook

    def spy(*args, **kwargs):
        made.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(portal_exports, "Workbook", spy)  # the shared writer
    output = exports.portrait_export_xlsx(survey, results.portraits_in_scope(survey))
    assert made == [{"write_only": True}]
    assert openpyxl.load_workbook(output).active.max_row == 3


def test_csv_reads_portraits_in_chunks(monkeypatch, survey):
    """Rows come out chunk by chunk (iterator with a prefetch per chunk): the queries grow with the
    number of chunks, not of portraits, and the first row is out before the last chunk is read."""
    many_portraits(survey, 25)
    monkeypatch.setattr(exports, "CHUNK", 10)
    rows = exports.portrait_export_csv(survey, results.portraits_in_scope(survey))
    with CaptureQueriesContext(connection) as queries:
        next(rows), next(rows)  # the header and the first portrait
    first = len(queries)
    with CaptureQueriesContext(connection) as queries:
        rest = list(rows)
    assert len(rest) == 24
    # One cursor reads the portraits chunk by chunk; each chunk has its 3 prefetches (answers, picks,
    # respondents). The first chunk was read with the first row (after the 2 queries of the questions).
    assert first == 2 + 1 + 3
    assert len(queries) == 2 * 3


def test_bad_export_requests_say_so(client, survey):
    client.force_login(staff_with("view_portrait"))
    url = reverse("surveys:staff_export", args=[survey.pk])
    for params in ({"format": "pdf"}, {}, {"format": "csv", "region": "atlantis"}):
        response = client.get(url, params, follow=True)
        assert response.status_code == 200 and "Choose CSV or XLSX" in response.content.decode()
    assert client.get(reverse("surveys:staff_export", args=[99999]), {"format": "csv"}).status_code == 404
