/** @odoo-module */

import { registry } from "@web/core/registry";
import { syncFromXeroTabSteps } from "./xero_partner_sync_tour";

// Open a customer payment registered without an invoice, tick "Allow Xero Sync", press
// "Sync to Xero": it is in Xero (as an overpayment) with its Xero ID.
registry.category("web_tour.tours").add("xero_connector_payment_sync", {
    steps: () => [
        ...syncFromXeroTabSteps(),
        {
            content: "and the link to open it in Xero",
            trigger: ".o_field_widget[name='xero_url'] a",
        },
    ],
});
