"""Files of a linked document that are in Xero: sent from Odoo or brought in from Xero.

One row per file of a binding (invoice, bill, credit note, purchase order): Xero's
``AttachmentID``, the file name used in Xero and the checksum of what was sent (Odoo's
``ir.attachment.checksum``; for a PDF rendered on the fly, the document's payload hash), so each
file goes once, a changed one goes again under the same name (Xero replaces it), and a file that
came from Xero is neither posted twice nor sent back.
"""

from odoo import fields, models

KINDS = [("pdf", "Document PDF"), ("file", "Odoo attachment"), ("xero", "Added in Xero")]


class XeroAttachment(models.Model):
    _name = "xero.attachment"
    _description = "Xero Attachment"
    _order = "binding_id, id"

    binding_id = fields.Many2one("xero.binding", required=True, ondelete="cascade", index=True)
    connection_id = fields.Many2one(related="binding_id.connection_id", store=True)
    kind = fields.Selection(KINDS, required=True)
    attachment_id = fields.Many2one("ir.attachment", string="Odoo File", ondelete="set null", index="btree_not_null")
    file_name = fields.Char("File Name in Xero", required=True)
    checksum = fields.Char(help="What was sent or received: the file's checksum (a rendered PDF: the "
                                "document's payload hash).")
    xero_attachment_id = fields.Char("Xero Attachment ID", index=True)
    include_online = fields.Boolean("Shown Online", help="Shown to the customer on Xero's online invoice.")
    file_size = fields.Integer("Size (bytes)")
