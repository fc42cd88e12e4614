"""Payments, credit notes and allocations, purchase orders and bank transactions through xero-python."""

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account, Allocation, Allocations, BankTransaction, BankTransactions, Contact, CreditNote, CreditNotes,
    Invoice, Invoices, LineAmountTypes, LineItem, Payment, PaymentDelete, PurchaseOrder, PurchaseOrders)
from xero_python.exceptions import AccountingBadRequestException

from .openapi import OPENAPI_DIR, assert_valid

needs_openapi = pytest.mark.skipif(not (OPENAPI_DIR / "xero_accounting.yaml").exists(),
                                   reason="no OpenAPI documents")


def messages(err):
    return [m["Message"] for e in err.value.error_data["Elements"] for m in e["ValidationErrors"]]


def line(qty, unit, account="200", **kw):
    return LineItem(description="Work", quantity=Decimal(str(qty)), unit_amount=Decimal(str(unit)),
                    account_code=account, **kw)


def invoice(api, tenant_id, amount=100, status="AUTHORISED", kind="ACCREC", contact="Acme"):
    account = "200" if kind == "ACCREC" else "300"
    return api.create_invoices(tenant_id, Invoices(invoices=[Invoice(
        type=kind, contact=Contact(name=contact), date=date(2026, 3, 1), status=status,
        line_items=[line(1, amount, account=account, tax_type="NONE")])])).invoices[0]


def pay(api, tenant_id, inv, amount, code="090", **kw):
    return api.create_payment(tenant_id, Payment(invoice=Invoice(invoice_id=inv.invoice_id),
                                                 account=Account(code=code), amount=Decimal(str(amount)),
                                                 date=kw.pop("date", date(2026, 3, 5)), **kw)).payments[0]


# ---------------------------------------------------------------- payments
def test_partial_then_full_payment_then_delete(api, tenant_id):
    inv = invoice(api, tenant_id)
    first = pay(api, tenant_id, inv, "40.00", reference="part")
    assert first.status == "AUTHORISED" and first.payment_type == "ACCRECPAYMENT"
    assert first.invoice.invoice_id == inv.invoice_id and first.account.code == "090"
    got = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert (got.amount_paid, got.amount_due, got.status) == (Decimal("40"), Decimal("60"), "AUTHORISED")
    with pytest.raises(AccountingBadRequestException) as err:
        pay(api, tenant_id, inv, "60.01")
    assert messages(err) == ["Payment amount exceeds the amount outstanding on this document"]
    second = pay(api, tenant_id, inv, "60", date=date(2026, 3, 9))
    got = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert (got.amount_due, got.status) == (Decimal("0"), "PAID")
    assert got.fully_paid_on_date == date(2026, 3, 9) and len(got.payments) == 2
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_invoice(tenant_id, inv.invoice_id, Invoices(invoices=[Invoice(reference="x")]))
    assert messages(err) == ["Invoice not of valid status for modification"]
    deleted = api.delete_payment(tenant_id, second.payment_id, PaymentDelete(status="DELETED")).payments[0]
    assert deleted.status == "DELETED"
    got = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert (got.amount_due, got.status, got.fully_paid_on_date) == (Decimal("60"), "AUTHORISED", None)
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_invoice(tenant_id, inv.invoice_id, Invoices(invoices=[Invoice(reference="x")]))
    assert messages(err) == ["This document cannot be edited as it has a payment or credit note allocated to it."]
    assert [p.payment_id for p in api.get_payments(tenant_id, where='Status=="AUTHORISED"').payments] == [
        first.payment_id]


def test_payment_rules(api, tenant_id, raw, sandbox):
    draft = invoice(api, tenant_id, status="DRAFT")
    inv = invoice(api, tenant_id)
    body = raw("PUT", "Payments", params={"summarizeErrors": "false"}, json={"Payments": [
        {"Invoice": {"InvoiceID": draft.invoice_id}, "Account": {"Code": "090"}, "Amount": 1},
        {"Invoice": {"InvoiceNumber": inv.invoice_number}, "Account": {"Code": "200"}, "Amount": 1},
        {"Invoice": {"InvoiceNumber": inv.invoice_number}, "Account": {"Code": "091"}, "Amount": 5,
         "Date": "2026-03-02"}]}).json()
    assert [[m["Message"] for m in p.get("ValidationErrors", [])] for p in body["Payments"]] == [
        ["Payments can only be made against Authorised documents"],
        ["Account type is invalid for making a payment to/from"], []]
    assert body["Payments"][2]["StatusAttributeString"] == "OK"
    assert api.get_invoice(tenant_id, inv.invoice_id).invoices[0].amount_due == Decimal("95")
    sandbox.call("POST", f"tenants/{tenant_id}/organisation", json={"PeriodLockDate": "2026-03-31"})
    with pytest.raises(AccountingBadRequestException) as err:
        pay(api, tenant_id, inv, 1)
    assert messages(err) == ["The document date cannot be before the period lock date, currently set at 31-Mar-2026"]
    edit = raw("POST", f"Payments/{body['Payments'][2]['PaymentID']}", json={"Amount": 3})
    assert edit.status_code == 400


def test_bill_payment_and_wipe_is_consistent(api, tenant_id, sandbox):
    bill = invoice(api, tenant_id, kind="ACCPAY", amount=20)
    paid = pay(api, tenant_id, bill, 20)
    assert paid.payment_type == "ACCPAYPAYMENT"
    assert api.get_invoice(tenant_id, bill.invoice_id).invoices[0].status == "PAID"
    assert sandbox.call("DELETE", f"tenants/{tenant_id}/Payments") == {"deleted": 1}
    assert api.get_invoice(tenant_id, bill.invoice_id).invoices[0].status == "AUTHORISED"
    pay(api, tenant_id, bill, 5)
    assert sandbox.call("DELETE", f"tenants/{tenant_id}/Invoices") == {"deleted": 1}
    assert sandbox.records(tenant_id, "Payments") == []  # no payment left pointing nowhere
    assert sandbox.records(tenant_id, "Accounts")  # the chart stays


# ---------------------------------------------------------------- credit notes
def test_credit_note_maths_and_allocation(api, tenant_id):
    inv = invoice(api, tenant_id, amount=100)
    [note] = api.create_credit_notes(tenant_id, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=Contact(name="Acme"), date=date(2026, 3, 2), status="AUTHORISED",
        line_items=[line(1, "89.00", tax_type="OUTPUT")], line_amount_types=LineAmountTypes.INCLUSIVE)])).credit_notes
    assert (note.sub_total, note.total_tax, note.total) == (Decimal("77.39"), Decimal("11.61"), Decimal("89"))
    assert note.credit_note_number == "CN-0001" and note.remaining_credit == Decimal("89")
    result = api.create_credit_note_allocation(tenant_id, note.credit_note_id, Allocations(allocations=[
        Allocation(invoice=Invoice(invoice_id=inv.invoice_id), amount=Decimal("50"), date=date(2026, 3, 3))]))
    assert result.allocations[0].amount == Decimal("50")
    got = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert (got.amount_credited, got.amount_due, got.status) == (Decimal("50"), Decimal("50"), "AUTHORISED")
    assert got.credit_notes[0].credit_note_id == note.credit_note_id
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_credit_note_allocation(tenant_id, note.credit_note_id, Allocations(allocations=[
            Allocation(invoice=Invoice(invoice_id=inv.invoice_id), amount=Decimal("40"), date=date(2026, 3, 3))]))
    assert messages(err) == ["The amount allocated cannot be more than the remaining credit on the credit note."]
    api.create_credit_note_allocation(tenant_id, note.credit_note_id, Allocations(allocations=[
        Allocation(invoice=Invoice(invoice_id=inv.invoice_id), amount=Decimal("39"), date=date(2026, 3, 4))]))
    got_note = api.get_credit_note(tenant_id, note.credit_note_id).credit_notes[0]
    assert (got_note.remaining_credit, got_note.status) == (Decimal("0"), "PAID")
    assert [a.amount for a in got_note.allocations] == [Decimal("50"), Decimal("39")]
    got = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert (got.amount_credited, got.amount_due) == (Decimal("89"), Decimal("11"))
    pay(api, tenant_id, inv, 11)
    assert api.get_invoice(tenant_id, inv.invoice_id).invoices[0].status == "PAID"


def test_allocation_rules(api, tenant_id, raw):
    inv = invoice(api, tenant_id, contact="Other")
    bill = invoice(api, tenant_id, kind="ACCPAY", contact="Acme")
    [draft, note] = api.create_credit_notes(tenant_id, CreditNotes(credit_notes=[
        CreditNote(type="ACCRECCREDIT", contact=Contact(name="Acme"), line_items=[line(1, 10)]),
        CreditNote(type="ACCRECCREDIT", contact=Contact(name="Acme"), status="AUTHORISED",
                   line_items=[line(1, 10)])])).credit_notes
    body = raw("PUT", f"CreditNotes/{note.credit_note_id}/Allocations", params={"summarizeErrors": "false"},
               json={"Allocations": [{"Invoice": {"InvoiceID": inv.invoice_id}, "Amount": 1},
                                     {"Invoice": {"InvoiceID": bill.invoice_id}, "Amount": 1}]}).json()
    assert [[m["Message"] for m in a["ValidationErrors"]] for a in body["Allocations"]] == [
        ["The credit note and the invoice must be for the same contact."],
        ["A sales credit note can only be allocated to a sales invoice, a purchase credit note to a bill."]]
    refused = raw("PUT", f"CreditNotes/{draft.credit_note_id}/Allocations",
                  json={"Allocations": [{"Invoice": {"InvoiceID": inv.invoice_id}, "Amount": 1}]})
    assert refused.status_code == 400


# ---------------------------------------------------------------- purchase orders
def test_purchase_orders(api, tenant_id, raw):
    [po] = api.create_purchase_orders(tenant_id, PurchaseOrders(purchase_orders=[PurchaseOrder(
        contact=Contact(name="Supplier"), date=date(2026, 3, 1),
        line_items=[line(4, "12.50", account="300", discount_rate=Decimal("10"))])])).purchase_orders
    assert po.purchase_order_number == "PO-0001" and po.status == "DRAFT"
    assert (po.sub_total, po.total_tax, po.total) == (Decimal("45"), Decimal("6.75"), Decimal("51.75"))
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_purchase_orders(tenant_id, PurchaseOrders(purchase_orders=[PurchaseOrder(
            contact=Contact(name="Supplier"), purchase_order_number="po-0001", line_items=[])]))
    assert messages(err) == ["Order number must be unique"]
    updated = api.update_purchase_order(tenant_id, po.purchase_order_id, PurchaseOrders(purchase_orders=[
        PurchaseOrder(status="AUTHORISED")])).purchase_orders[0]
    assert updated.status == "AUTHORISED"
    billed = api.update_purchase_order(tenant_id, po.purchase_order_id, PurchaseOrders(purchase_orders=[
        PurchaseOrder(status="BILLED")])).purchase_orders[0]
    assert billed.status == "BILLED"
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_purchase_order(tenant_id, po.purchase_order_id, PurchaseOrders(purchase_orders=[
            PurchaseOrder(status="DELETED")]))
    assert messages(err) == ["Purchase Order not of valid status for modification"]
    assert api.get_purchase_order_by_number(tenant_id, "PO-0001").purchase_orders[0].status == "BILLED"
    assert [p.status for p in api.get_purchase_orders(tenant_id, status="BILLED").purchase_orders] == ["BILLED"]
    assert api.get_purchase_orders(tenant_id, status="DRAFT").purchase_orders == []
    assert raw("GET", "PurchaseOrders", params={"DateFrom": "2026-03-02"}).json()["PurchaseOrders"] == []


# ---------------------------------------------------------------- bank transactions
def test_bank_transactions(api, tenant_id, raw):
    [txn] = api.create_bank_transactions(tenant_id, BankTransactions(bank_transactions=[BankTransaction(
        type="RECEIVE", contact=Contact(name="Walk-in"), bank_account=Account(code="090"), date=date(2026, 3, 1),
        line_items=[line(1, 100, tax_type="OUTPUT"), line(2, "0.10", tax_type="OUTPUT")])])).bank_transactions
    assert txn.status == "AUTHORISED" and txn.is_reconciled is False and txn.bank_account.code == "090"
    assert (txn.sub_total, txn.total_tax, txn.total) == (Decimal("100.2"), Decimal("15.03"), Decimal("115.23"))
    body = raw("PUT", "BankTransactions", params={"summarizeErrors": "false"}, json={"BankTransactions": [
        {"Type": "SPEND", "BankAccount": {"Code": "200"}, "LineItems": [
            {"Description": "x", "Quantity": 1, "UnitAmount": 1, "AccountCode": "429"}]},
        {"Type": "RECEIVE-TRANSFER", "BankAccount": {"Code": "090"}, "LineItems": []},
        {"Type": "SPEND", "BankAccount": {"Code": "091"}, "LineItems": [
            {"Description": "x", "Quantity": 1, "UnitAmount": 1}]}]}).json()
    assert [[m["Message"] for m in t.get("ValidationErrors", [])] for t in body["BankTransactions"]] == [
        ["The Bank Account '200' is not a valid bank account."],
        ["'RECEIVE-TRANSFER' is not a valid Bank Transaction type."],
        ["Account code must be specified"]]
    reconciled = raw("POST", f"BankTransactions/{txn.bank_transaction_id}",
                     json={"BankTransactions": [{"IsReconciled": True}]}).json()["BankTransactions"][0]
    assert reconciled["IsReconciled"] is True and reconciled["Total"] == 115.23
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_bank_transaction(tenant_id, txn.bank_transaction_id, BankTransactions(bank_transactions=[
            BankTransaction(type="RECEIVE", bank_account=Account(code="090"), line_items=txn.line_items,
                            status="DELETED")]))
    assert messages(err) == ["This Bank Transaction cannot be edited as it has been reconciled with a Bank "
                             "Statement."]


@needs_openapi
def test_schemas(api, tenant_id, raw):
    inv = invoice(api, tenant_id)
    pay(api, tenant_id, inv, 10)
    assert_valid(raw("GET", "Payments", params={"page": 1}).json(), "xero_accounting.yaml", "Payments", envelope=True)
    assert_valid(raw("GET", f"Invoices/{inv.invoice_id}").json(), "xero_accounting.yaml", "Invoices", envelope=True)
    note = raw("PUT", "CreditNotes", json={"CreditNotes": [{
        "Type": "ACCRECCREDIT", "Contact": {"Name": "Acme"}, "Status": "AUTHORISED",
        "LineItems": [{"Description": "c", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200"}]}]}).json()
    assert_valid(note, "xero_accounting.yaml", "CreditNotes", envelope=True)
    alloc = raw("PUT", f"CreditNotes/{note['CreditNotes'][0]['CreditNoteID']}/Allocations",
                json={"Allocations": [{"Invoice": {"InvoiceID": inv.invoice_id}, "Amount": 2}]}).json()
    assert_valid(alloc, "xero_accounting.yaml", "Allocations", envelope=True)
    assert_valid(raw("GET", "CreditNotes", params={"page": 1}).json(), "xero_accounting.yaml", "CreditNotes",
                 envelope=True)
    assert_valid(raw("GET", f"Invoices/{inv.invoice_id}").json(), "xero_accounting.yaml", "Invoices", envelope=True)
    raw("PUT", "PurchaseOrders", json={"PurchaseOrders": [{"Contact": {"Name": "S"}, "LineItems": [
        {"Description": "p", "Quantity": 1, "UnitAmount": 5}]}]})
    assert_valid(raw("GET", "PurchaseOrders", params={"page": 1}).json(), "xero_accounting.yaml", "PurchaseOrders",
                 envelope=True)
    raw("PUT", "BankTransactions", json={"BankTransactions": [{"Type": "SPEND", "BankAccount": {"Code": "090"},
        "LineItems": [{"Description": "b", "Quantity": 1, "UnitAmount": 5, "AccountCode": "429"}]}]})
    assert_valid(raw("GET", "BankTransactions", params={"page": 1}).json(), "xero_accounting.yaml",
                 "BankTransactions", envelope=True)


# ---------------------------------------------------------------- contact balances, period reads
def test_contact_balances_are_outstanding_documents(api, tenant_id, raw, sandbox):
    acme_invoice = invoice(api, tenant_id, amount=100)  # due date unset: outstanding, not overdue
    invoice(api, tenant_id, amount=30, status="DRAFT")  # drafts owe nothing
    bill = invoice(api, tenant_id, amount=70, kind="ACCPAY")
    api.create_invoices(tenant_id, Invoices(invoices=[Invoice(
        type="ACCREC", contact=Contact(name="Acme"), date=date(2026, 3, 1), due_date=date(2026, 3, 10),
        status="AUTHORISED", line_items=[line(1, 50, tax_type="NONE")])]))  # overdue (today is later)
    api.create_credit_notes(tenant_id, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=Contact(name="Acme"), date=date(2026, 3, 2), status="AUTHORISED",
        line_items=[line(1, 20, tax_type="NONE")])]))
    pay(api, tenant_id, acme_invoice, 40)
    invoice(api, tenant_id, amount=5, contact="Nobody Owes")
    nobody = next(c for c in sandbox.records(tenant_id, "Contacts") if c["Name"] == "Nobody Owes")
    acme_id = bill.contact.contact_id
    [acme] = api.get_contacts(tenant_id, i_ds=[acme_id], page=1).contacts
    assert acme.balances.accounts_receivable.outstanding == Decimal("90")  # 60 + 50 - 20
    assert acme.balances.accounts_receivable.overdue == Decimal("50")
    assert (acme.balances.accounts_payable.outstanding, acme.balances.accounts_payable.overdue) == (
        Decimal("70"), Decimal("0"))
    body = raw("GET", "Contacts", params={"IDs": f"{acme_id},{nobody['ContactID']}", "page": 1}).json()
    if (OPENAPI_DIR / "xero_accounting.yaml").exists():
        assert_valid(body, "xero_accounting.yaml", "Contacts", envelope=True)
    assert {c["Name"]: c["Balances"]["AccountsReceivable"]["Outstanding"] for c in body["Contacts"]} == {
        "Acme": 90, "Nobody Owes": 5}
    # summaryOnly leaves the computation-heavy Balances out
    summary = raw("GET", "Contacts", params={"IDs": acme_id, "summaryOnly": "true"}).json()["Contacts"][0]
    assert "Balances" not in summary


def test_documents_and_payments_of_a_period(api, tenant_id):
    inside = invoice(api, tenant_id, amount=10)  # dated 2026-03-01
    api.create_invoices(tenant_id, Invoices(invoices=[Invoice(
        type="ACCREC", contact=Contact(name="Acme"), date=date(2026, 4, 1), status="AUTHORISED",
        line_items=[line(1, 20, tax_type="NONE")])]))
    pay(api, tenant_id, inside, 4, date=date(2026, 3, 20))
    where = "Date >= DateTime(2026, 03, 01) AND Date <= DateTime(2026, 03, 31)"
    got = api.get_invoices(tenant_id, where=where, summary_only=True, page=1).invoices
    assert [i.invoice_id for i in got] == [inside.invoice_id]
    assert got[0].line_items is None and got[0].total == Decimal("10")
    [payment] = api.get_payments(tenant_id, where=where, page=1).payments
    assert (payment.amount, payment.invoice.invoice_id) == (Decimal("4"), inside.invoice_id)
    assert not api.get_payments(tenant_id, where=where.replace("03, 31", "03, 19"), page=1).payments
