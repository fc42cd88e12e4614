# Run inside `odoo-bin shell` by scripts/screenshots.sh, after scripts/demo_setup.py: gives the
# demo's screens something to show.  The contacts ticked by demo_setup.py are sent to Xero (one
# of them twice, after an edit: two lines of sync history), two products with codes and one
# without (a failure, with its cause), four posted invoices sent to Xero, a queued background run,
# and a parity report of this month that finds a fifth invoice never sent.  Prints the ids the
# screenshots use.
import json

from odoo import fields

admin = env.ref("base.user_admin")
env = env(user=admin)  # noqa: F821 (the shell's env), as the demo's administrator
company = env.company
connection = env["xero.connection"]._for_company()

partners = env["res.partner"].search([("xero_allow_sync", "=", True)], order="id")
partners.action_xero_sync()
partner = partners[:1]
partner.phone = "+1 555 0100"
partner.action_xero_sync()

Product = env["product.product"]
desk = Product.create({"name": "Standing Desk", "default_code": "DESK-STAND", "list_price": 640.0,
                       "description_sale": "Electric standing desk, 160 x 80 cm"})
chair = Product.create({"name": "Ergonomic Chair", "default_code": "CHAIR-ERGO", "list_price": 285.0})
lamp = Product.create({"name": "Desk Lamp (no reference)", "list_price": 35.0})
(desk | chair | lamp).xero_allow_sync = True
(desk | chair | lamp).action_xero_sync()

# the invoices' income account and sales tax as demo_setup.py mapped them to Xero's 200 and OUTPUT
income = env["xero.account"].search([("connection_id", "=", connection.id), ("code", "=", "200")]).account_ids[:1]
rate = connection.xero_tax_rate_ids.filtered(lambda r: r.tax_type == "OUTPUT" and r.tax_ids)
taxes = rate.tax_ids.filtered(lambda t: t.type_tax_use == "sale")[:1]


def line(product, quantity):
    values = {"product_id": product.id, "quantity": quantity, "price_unit": product.list_price,
              "tax_ids": [(6, 0, taxes.ids)]}
    if income:
        values["account_id"] = income.id
    return (0, 0, values)


specs = [(partners[0], [line(desk, 2), line(chair, 4)]), (partners[1 % len(partners)], [line(chair, 6)]),
         (partners[2 % len(partners)], [line(desk, 1)]), (partners[0], [line(lamp, 3), line(desk, 1)])]
moves = env["account.move"].create([{"move_type": "out_invoice", "partner_id": p.id, "invoice_line_ids": lines}
                                    for p, lines in specs])
moves.action_post()
moves.xero_allow_sync = True
moves[:3].action_xero_sync()
moves[3:].action_xero_sync()  # a second run

# one more posted invoice, never sent: the parity report of this month lists it as a difference
unsent = env["account.move"].create({"move_type": "out_invoice", "partner_id": partners[1 % len(partners)].id,
                                     "invoice_line_ids": [line(chair, 2)]})
unsent.action_post()
today = fields.Date.context_today(unsent)
parity = env["xero.parity.report"].create({"connection_id": connection.id, "date_from": today.replace(day=1),
                                           "date_to": today})
parity.action_compute()

# a background run queued from the sync wizard (the server's cron runs it)
wizard = env["xero.sync.wizard"].create({"connection_id": connection.id})
wizard.action_run()
env.cr.commit()

log = env["xero.sync.log"].search([("entity", "=", "product"), ("count_failed", ">", 0)], order="id desc", limit=1)
print("XC_SHOTS " + json.dumps({
    "connection": connection.id, "partner": partner.id, "invoice": moves[0].id, "parity": parity.id,
    "log": log.id or env["xero.sync.log"].search([], order="id desc", limit=1).id,
}))
