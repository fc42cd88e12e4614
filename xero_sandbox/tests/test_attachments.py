"""Attachments of invoices, bills, credit notes and purchase orders through xero-python."""

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Contact, CreditNote, CreditNotes, Invoice, Invoices, LineItem, PurchaseOrder, PurchaseOrders)
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException

from xero_sandbox.resources.attachments import MAX_ATTACHMENTS, MAX_BYTES

from .conftest import SCOPES, Sdk
from .openapi import OPENAPI_DIR, assert_valid

needs_openapi = pytest.mark.skipif(not (OPENAPI_DIR / "xero_accounting.yaml").exists(),
                                   reason="no OpenAPI documents")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def files(sandbox, app):
    """An AccountingApi whose token also holds accounting.attachments."""
    tokens = sandbox.connect(app, scope=SCOPES + " accounting.attachments")
    return Sdk(sandbox.url, app, tokens).accounting


def invoice(api, tenant_id, kind="ACCREC", status="AUTHORISED"):
    account = "200" if kind == "ACCREC" else "300"
    return api.create_invoices(tenant_id, Invoices(invoices=[Invoice(
        type=kind, contact=Contact(name="Acme"), date=date(2026, 3, 1), status=status,
        line_items=[LineItem(description="Work", quantity=Decimal("1"), unit_amount=Decimal("100"),
                             account_code=account, tax_type="NONE")])])).invoices[0]


@needs_openapi
def test_invoice_pdf_online_then_listed_and_read_back(files, api, tenant_id):
    inv = invoice(api, tenant_id)
    before = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert before.has_attachments is False
    data, status, _h = files.create_invoice_attachment_by_file_name(
        tenant_id, inv.invoice_id, "INV 0001.pdf", PDF, include_online=True, idempotency_key="a-1",
        _return_http_data_only=False)
    assert status == 200
    sent = data.attachments[0]
    assert (sent.file_name, sent.mime_type, sent.content_length, sent.include_online) == (
        "INV 0001.pdf", "application/pdf", len(PDF), True)
    assert sent.url.endswith(f"/Invoices/{inv.invoice_id}/Attachments/INV%200001.pdf")
    after = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert after.has_attachments is True and after.updated_date_utc == before.updated_date_utc
    listed = files.get_invoice_attachments(tenant_id, inv.invoice_id).attachments
    assert [a.attachment_id for a in listed] == [sent.attachment_id]
    body = files.get_invoice_attachment_by_id(tenant_id, inv.invoice_id, sent.attachment_id, "application/pdf",
                                              _preload_content=False)
    assert body.data == PDF and body.headers["Content-Type"] == "application/pdf"
    by_name = files.get_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "INV 0001.pdf",
                                                        "application/pdf", _preload_content=False)
    assert by_name.data == PDF


@needs_openapi
def test_answers_match_the_openapi_schema(files, api, tenant_id, raw, sandbox, app):
    inv = invoice(api, tenant_id, kind="ACCPAY")
    files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "receipt.png", b"\x89PNG....")
    tokens = sandbox.connect(app, scope=SCOPES + " accounting.attachments")
    resp = raw("GET", f"Invoices/{inv.invoice_id}/Attachments", token=tokens["access_token"])
    assert resp.status_code == 200
    body = resp.json()
    assert_valid(body, "xero_accounting.yaml", "Attachments", envelope=True)
    # IncludeOnline is not shown on a bill's file (only sales documents are online)
    assert body["Attachments"][0]["MimeType"] == "image/png" and "IncludeOnline" not in body["Attachments"][0]


def test_same_name_replaces_and_the_eleventh_file_is_refused(files, api, tenant_id):
    inv = invoice(api, tenant_id, kind="ACCPAY")
    first = files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "scan.pdf", PDF).attachments[0]
    again = files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "SCAN.pdf",
                                                         PDF + b"v2").attachments[0]
    listed = files.get_invoice_attachments(tenant_id, inv.invoice_id).attachments
    assert [a.attachment_id for a in listed] == [again.attachment_id] != [first.attachment_id]
    assert listed[0].content_length == len(PDF) + 2
    for n in range(2, MAX_ATTACHMENTS + 1):
        files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, f"page{n}.pdf", PDF)
    with pytest.raises(AccountingBadRequestException) as err:
        files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "one-more.pdf", PDF)
    assert err.value.error_data["Message"] == "This invoice already has 10 attachments, the most the API allows."
    # replacing one of the ten is still allowed
    files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "page2.pdf", PDF)
    assert len(files.get_invoice_attachments(tenant_id, inv.invoice_id).attachments) == MAX_ATTACHMENTS


def test_too_large_is_xeros_413_and_empty_is_refused(files, api, tenant_id):
    inv = invoice(api, tenant_id)
    with pytest.raises(HTTPStatusException) as err:
        files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "big.pdf", b"x" * (MAX_BYTES + 1))
    assert err.value.status == 413
    assert b'"Title":"RequestEntityTooLarge"' in err.value.body and b'"Detail":"PayloadTooLarge"' in err.value.body
    with pytest.raises(AccountingBadRequestException):
        files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "empty.pdf", b"")
    assert files.get_invoice_attachments(tenant_id, inv.invoice_id).attachments == []
    exact = files.create_invoice_attachment_by_file_name(tenant_id, inv.invoice_id, "max.pdf", b"x" * MAX_BYTES)
    assert exact.attachments[0].content_length == MAX_BYTES


def test_credit_notes_and_purchase_orders(files, api, tenant_id):
    note = api.create_credit_notes(tenant_id, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=Contact(name="Acme"), date=date(2026, 3, 1), status="AUTHORISED",
        line_items=[LineItem(description="Back", quantity=Decimal("1"), unit_amount=Decimal("10"),
                             account_code="200", tax_type="NONE")])])).credit_notes[0]
    sent = files.create_credit_note_attachment_by_file_name(tenant_id, note.credit_note_id, "CN.pdf", PDF,
                                                            include_online=True).attachments[0]
    assert sent.include_online is True
    assert files.get_credit_note_attachments(tenant_id, note.credit_note_id).attachments[0].file_name == "CN.pdf"
    order = api.create_purchase_orders(tenant_id, PurchaseOrders(purchase_orders=[PurchaseOrder(
        contact=Contact(name="Supplier"), date=date(2026, 3, 1),
        line_items=[LineItem(description="Parts", quantity=Decimal("2"), unit_amount=Decimal("5"))])])
    ).purchase_orders[0]
    po_file = files.create_purchase_order_attachment_by_file_name(
        tenant_id, order.purchase_order_id, "PO.pdf", PDF).attachments[0]
    assert not po_file.include_online
    got = api.get_purchase_order(tenant_id, order.purchase_order_id).purchase_orders[0]
    assert got.has_attachments is True
    assert files.get_purchase_order_attachment_by_id(
        tenant_id, order.purchase_order_id, po_file.attachment_id, "application/pdf",
        _preload_content=False).data == PDF


def test_attachments_need_their_scope_and_a_known_document(api, files, tenant_id):
    inv = invoice(api, tenant_id)
    with pytest.raises(HTTPStatusException) as err:  # the default test token has no accounting.attachments
        api.get_invoice_attachments(tenant_id, inv.invoice_id)
    assert err.value.status == 401 and b"AuthorizationUnsuccessful" in err.value.body
    with pytest.raises(HTTPStatusException) as err:
        files.get_invoice_attachments(tenant_id, "00000000-0000-0000-0000-000000000000")
    assert err.value.status == 404
    with pytest.raises(HTTPStatusException) as err:
        files.get_invoice_attachment_by_id(tenant_id, inv.invoice_id, "00000000-0000-0000-0000-000000000000",
                                           "application/pdf", _preload_content=False)
    assert err.value.status == 404
