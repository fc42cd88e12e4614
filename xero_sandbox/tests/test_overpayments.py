"""Overpayments and prepayments (created as bank transactions), their allocations, and removing
allocations (overpayments, prepayments, credit notes) through xero-python."""

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account, Allocation, Allocations, BankTransaction, BankTransactions, Contact, Invoice, LineItem)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from .openapi import assert_valid
from .test_transactions import invoice, line, messages, needs_openapi


def credit(api, tenant_id, kind="RECEIVE-OVERPAYMENT", amount=150, contact=None, **kw):
    contact = contact or Contact(name="Acme")
    lines = kw.pop("lines", None) or [LineItem(description="Paid ahead", line_amount=Decimal(str(amount)))]
    return api.create_bank_transactions(tenant_id, BankTransactions(bank_transactions=[BankTransaction(
        type=kind, contact=contact, bank_account=Account(code="090"), date=date(2026, 3, 2),
        line_items=lines, **kw)])).bank_transactions[0]


def allocate(api, tenant_id, overpayment_id, inv, amount, method="create_overpayment_allocations", **kw):
    return getattr(api, method)(tenant_id, overpayment_id, Allocations(allocations=[Allocation(
        invoice=Invoice(invoice_id=inv.invoice_id), amount=Decimal(str(amount)),
        date=kw.get("date", date(2026, 3, 5)))]), **kw.get("extra", {})).allocations[0]


def test_overpayment_allocated_then_unallocated(api, tenant_id):
    inv = invoice(api, tenant_id, amount=100)
    txn = credit(api, tenant_id, amount=150)
    assert txn.overpayment_id == txn.bank_transaction_id and txn.total == Decimal("150")
    over = api.get_overpayment(tenant_id, txn.overpayment_id).overpayments[0]
    assert (over.type, over.status, over.remaining_credit, over.line_amount_types.value) == (
        "RECEIVE-OVERPAYMENT", "AUTHORISED", Decimal("150"), "NoTax")
    assert over.contact.contact_id == inv.contact.contact_id
    with pytest.raises(AccountingBadRequestException) as err:
        allocate(api, tenant_id, txn.overpayment_id, inv, "100.01")
    assert messages(err) == ["Payment amount exceeds the amount outstanding on this document"]
    first = allocate(api, tenant_id, txn.overpayment_id, inv, 100)
    assert first.allocation_id and first.amount == Decimal("100")
    got = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert (got.amount_due, got.amount_paid, got.status) == (Decimal("0"), Decimal("100"), "PAID")
    assert [o.overpayment_id for o in got.overpayments] == [txn.overpayment_id]
    over = api.get_overpayment(tenant_id, txn.overpayment_id).overpayments[0]
    assert (over.remaining_credit, over.status, len(over.allocations)) == (Decimal("50"), "AUTHORISED", 1)
    second_inv = invoice(api, tenant_id, amount=80)
    with pytest.raises(AccountingBadRequestException) as err:
        allocate(api, tenant_id, txn.overpayment_id, second_inv, 60)
    assert messages(err) == ["The amount allocated cannot be more than the remaining credit on the overpayment."]
    allocate(api, tenant_id, txn.overpayment_id, second_inv, 50)
    assert api.get_overpayment(tenant_id, txn.overpayment_id).overpayments[0].status == "PAID"
    # removing the first allocation: the invoice owes again, the credit is back
    removed = api.delete_overpayment_allocations(tenant_id, txn.overpayment_id, first.allocation_id)
    assert removed.is_deleted is True
    over = api.get_overpayment(tenant_id, txn.overpayment_id).overpayments[0]
    assert (over.remaining_credit, over.status, len(over.allocations)) == (Decimal("100"), "AUTHORISED", 1)
    got = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert (got.amount_due, got.status) == (Decimal("100"), "AUTHORISED")
    with pytest.raises(NotFoundException):
        api.delete_overpayment_allocations(tenant_id, txn.overpayment_id, first.allocation_id)


def test_overpayment_rules(api, tenant_id, raw, sandbox):
    bill = invoice(api, tenant_id, kind="ACCPAY")
    other = invoice(api, tenant_id, contact="Someone Else")
    body = raw("PUT", "BankTransactions", params={"summarizeErrors": "false"}, json={"BankTransactions": [
        {"Type": "RECEIVE-OVERPAYMENT", "BankAccount": {"Code": "090"},
         "LineItems": [{"Description": "x", "LineAmount": 5}]},
        {"Type": "RECEIVE-OVERPAYMENT", "Contact": {"Name": "Acme"}, "BankAccount": {"Code": "090"},
         "LineItems": [{"Description": "x", "LineAmount": 5}, {"Description": "y", "LineAmount": 5}]},
        {"Type": "RECEIVE-OVERPAYMENT", "Contact": {"Name": "Acme"}, "BankAccount": {"Code": "090"},
         "LineAmountTypes": "Exclusive", "LineItems": [{"Description": "x", "LineAmount": 5, "AccountCode": "200",
                                                        "TaxType": "OUTPUT"}]}]}).json()
    results = body["BankTransactions"]
    assert [[m["Message"] for m in t.get("ValidationErrors", [])] for t in results] == [
        ["A Contact must be specified for this type of transaction"],
        ["An overpayment must have exactly one line item."], []]
    assert (results[2]["LineAmountTypes"], results[2]["TotalTax"], results[2]["Total"]) == ("NoTax", 0, 5)
    over_id = results[2]["OverpaymentID"]
    errors = raw("PUT", f"Overpayments/{over_id}/Allocations", params={"summarizeErrors": "false"}, json={
        "Allocations": [{"Invoice": {"InvoiceID": bill.invoice_id}, "Amount": 1},
                        {"Invoice": {"InvoiceID": other.invoice_id}, "Amount": 1},
                        {"Invoice": {"InvoiceID": other.invoice_id}, "Amount": 0}]}).json()["Allocations"]
    assert [[m["Message"] for m in a["ValidationErrors"]] for a in errors] == [
        ["A received overpayment can only be allocated to a sales invoice, a spent overpayment to a bill."],
        ["The overpayment and the invoice must be for the same contact."],
        ["The overpayment and the invoice must be for the same contact.", "The Amount must be a number greater "
                                                                           "than 0."]]
    # an overpayment cannot be edited; deleting it voids it, refused while allocated
    edit = raw("POST", f"BankTransactions/{over_id}", json={"BankTransactions": [{"Reference": "new"}]})
    assert edit.status_code == 400
    assert "An overpayment cannot be edited once created; delete it and create it again." in edit.text
    mine = invoice(api, tenant_id, amount=10)
    raw("PUT", f"Overpayments/{over_id}/Allocations", json={"Allocations": [
        {"Invoice": {"InvoiceID": mine.invoice_id}, "Amount": 2}]})
    refused = raw("POST", f"BankTransactions/{over_id}", json={"BankTransactions": [{"Status": "DELETED"}]})
    assert "remove the allocations before deleting it" in refused.text
    # not writable directly
    assert raw("PUT", "Overpayments", json={"Overpayments": []}).status_code == 404


def test_prepayment_and_lock_date_refuses_removal(api, tenant_id, sandbox):
    inv = invoice(api, tenant_id, amount=100)
    txn = credit(api, tenant_id, kind="RECEIVE-PREPAYMENT",
                 lines=[line(1, 40, tax_type="NONE")], reference="Deposit")
    assert txn.prepayment_id == txn.bank_transaction_id
    [pre] = api.get_prepayments(tenant_id, where='Status=="AUTHORISED"').prepayments
    assert (pre.prepayment_id, pre.remaining_credit, pre.type) == (txn.prepayment_id, Decimal("40"),
                                                                   "RECEIVE-PREPAYMENT")
    allocation = allocate(api, tenant_id, txn.prepayment_id, inv, 40, method="create_prepayment_allocations")
    got = api.get_invoice(tenant_id, inv.invoice_id).invoices[0]
    assert (got.amount_due, [p.prepayment_id for p in got.prepayments]) == (Decimal("60"), [txn.prepayment_id])
    assert api.get_prepayment(tenant_id, txn.prepayment_id).prepayments[0].status == "PAID"
    assert not api.get_overpayments(tenant_id).overpayments
    sandbox.call("POST", f"tenants/{tenant_id}/organisation", json={"PeriodLockDate": "2026-03-31"})
    with pytest.raises(AccountingBadRequestException) as err:
        api.delete_prepayment_allocations(tenant_id, txn.prepayment_id, allocation.allocation_id)
    assert messages(err) == ["The document date cannot be before the period lock date, currently set at 31-Mar-2026"]
    assert api.get_prepayment(tenant_id, txn.prepayment_id).prepayments[0].status == "PAID"


def test_credit_note_allocation_removed(api, tenant_id, raw):
    inv = invoice(api, tenant_id, amount=100)
    note = raw("PUT", "CreditNotes", json={"CreditNotes": [{
        "Type": "ACCRECCREDIT", "Contact": {"Name": "Acme"}, "Status": "AUTHORISED", "Date": "2026-03-01",
        "LineItems": [{"Description": "c", "Quantity": 1, "UnitAmount": 30, "AccountCode": "200",
                       "TaxType": "NONE"}]}]}).json()["CreditNotes"][0]
    [allocation] = api.create_credit_note_allocation(tenant_id, note["CreditNoteID"], Allocations(allocations=[
        Allocation(invoice=Invoice(invoice_id=inv.invoice_id), amount=Decimal("30"),
                   date=date(2026, 3, 5))])).allocations
    assert api.get_invoice(tenant_id, inv.invoice_id).invoices[0].amount_due == Decimal("70")
    removed = api.delete_credit_note_allocations(tenant_id, note["CreditNoteID"], allocation.allocation_id)
    assert removed.is_deleted is True
    got = api.get_credit_note(tenant_id, note["CreditNoteID"]).credit_notes[0]
    assert (got.remaining_credit, got.status, got.allocations or []) == (Decimal("30"), "AUTHORISED", [])
    assert api.get_invoice(tenant_id, inv.invoice_id).invoices[0].amount_due == Decimal("100")


@needs_openapi
def test_schemas(api, tenant_id, raw):
    inv = invoice(api, tenant_id, amount=100)
    over = credit(api, tenant_id, amount=120)
    pre = credit(api, tenant_id, kind="RECEIVE-PREPAYMENT", lines=[line(1, 10, tax_type="NONE")])
    alloc = raw("PUT", f"Overpayments/{over.overpayment_id}/Allocations", json={"Allocations": [
        {"Invoice": {"InvoiceID": inv.invoice_id}, "Amount": 20, "Date": "2026-03-05"}]}).json()
    assert_valid(alloc, "xero_accounting.yaml", "Allocations", envelope=True)
    raw("PUT", f"Prepayments/{pre.prepayment_id}/Allocations", json={"Allocations": [
        {"Invoice": {"InvoiceID": inv.invoice_id}, "Amount": 5, "Date": "2026-03-05"}]})
    for plural in ("Overpayments", "Prepayments"):
        assert_valid(raw("GET", plural, params={"page": 1}).json(), "xero_accounting.yaml", plural, envelope=True)
    assert_valid(raw("GET", f"Overpayments/{over.overpayment_id}").json(), "xero_accounting.yaml", "Overpayments",
                 envelope=True)
    assert_valid(raw("GET", f"Invoices/{inv.invoice_id}").json(), "xero_accounting.yaml", "Invoices", envelope=True)
    assert_valid(raw("GET", "BankTransactions", params={"page": 1}).json(), "xero_accounting.yaml",
                 "BankTransactions", envelope=True)
    removed = raw("DELETE", f"Overpayments/{over.overpayment_id}/Allocations/"
                            f"{alloc['Allocations'][0]['AllocationID']}").json()
    assert removed["IsDeleted"] is True
    assert_valid(removed, "xero_accounting.yaml", "Allocation")
    listed = raw("GET", "Overpayments", headers={"If-Modified-Since": "2000-01-01T00:00:00"},
                 params={"where": 'Type=="RECEIVE-OVERPAYMENT"'}).json()["Overpayments"]
    assert [o["OverpaymentID"] for o in listed] == [over.overpayment_id] and "LineItems" not in listed[0]
