"""The where/order language on its own."""

import pytest

from xero_sandbox.where import QueryError, compile_order, compile_where, sort_records

FIELDS = {"Name", "Total", "Status", "Date", "Contact", "InvoiceID", "Paid"}
RECORDS = [
    {"Name": "Ann", "Total": 10.5, "Status": "AUTHORISED", "Date": "/Date(1420070400000+0000)/",
     "Contact": {"Name": "Acme"}, "InvoiceID": "8f9a6d2c-0d4e-4a47-9c5b-2f0f6f0f6f0f", "Paid": True},
    {"Name": "bob", "Total": 3, "Status": "DRAFT", "Date": "/Date(1451606400000)/",
     "Contact": {"Name": "Beta"}, "Paid": False},
    {"Name": "", "Total": 7, "Status": "DRAFT"},
]


def run(where):
    predicate = compile_where(where, FIELDS)
    return [r["Total"] for r in RECORDS if predicate(r)]


@pytest.mark.parametrize("where, totals", [
    ("Total > 5", [10.5, 7]),
    ("Total >= 3 && Total <= 7", [3, 7]),
    ('Status = "DRAFT"', [3, 7]),
    ('Contact.Name == "Acme"', [10.5]),
    ("Name == null", [7]),  # an empty string is null
    ('Date >= DateTime(2015,01,01) AND Date < DateTime(2015, 12, 31, 23, 59, 59)', [10.5]),
    ('InvoiceID == GUID("8F9A6D2C-0D4E-4A47-9C5B-2F0F6F0F6F0F")', [10.5]),
    ("Paid", [10.5]),
    ("!Paid", [3, 7]),
    ('Name != null AND Name.ToUpper().StartsWith("B")', [3]),
    ('Status == "DRAFT" OR Status == "AUTHORISED" AND Total > 100', [3, 7]),  # AND binds tighter
    ('(Status == "DRAFT" OR Status == "AUTHORISED") AND Total > 100', []),
    ('Name != null AND (Name.Contains("a\\"b") OR Name == "Ann")', [10.5]),
])
def test_where(where, totals):
    assert run(where) == totals


@pytest.mark.parametrize("where", ["Total >", "Total > 5 )", "(Total > 5", "Name.Contains()",
                                   'Name.Contains("x"', "Unknown == 1", "DateTime(2015, 13, 1) < Date",
                                   'GUID("nope") == InvoiceID', "Total ~ 5", 'Name.Contains("a").Name'])
def test_syntax_errors(where):
    with pytest.raises(QueryError):
        run(where)


def test_runtime_errors():
    with pytest.raises(QueryError, match="null"):
        run('Name.StartsWith("A")')  # the third record has no name
    with pytest.raises(QueryError):
        run('Total > "five"')


def test_order():
    keys = compile_order("Status DESC, Name", FIELDS)
    assert [r["Total"] for r in sort_records(RECORDS, keys)] == [7, 3, 10.5]
    assert [r["Total"] for r in sort_records(RECORDS, compile_order("Contact.Name desc", FIELDS))] == [3, 10.5, 7]
    for bad in ("Name UP", "Nope ASC", "Name ASC DESC"):
        with pytest.raises(QueryError):
            compile_order(bad, FIELDS)
