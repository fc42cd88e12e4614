/** @odoo-module */

import { registry } from "@web/core/registry";

// Open a customer payment registered without an invoice, tick "Allow Xero Sync", press
// "Sync to Xero": it is in Xero (as an overpayment) with its Xero ID.
registry.category("web_tour.tours").add("xero_connector_payment_sync", {
    steps: () => [
        {
            content: "Open the Xero tab of the payment",
            trigger: ".o_notebook .nav-link[name='xero']",
            run: "click",
        },
        {
            content: "Not in Xero yet",
            trigger: ".o_field_widget[name='xero_sync_state'] .badge:contains('Not synced')",
        },
        {
            content: "Tick Allow Xero Sync",
            trigger: ".o_field_widget[name='xero_allow_sync'] input",
            run: "click",
        },
        {
            content: "Press Sync to Xero",
            trigger: "button[name='action_xero_sync']",
            run: "click",
        },
        {
            content: "Xero says it is synced",
            trigger: ".o_field_widget[name='xero_sync_state'] .badge:contains('Synced')",
        },
        {
            content: "and the link to open it in Xero",
            trigger: ".o_field_widget[name='xero_url'] a",
        },
    ],
});
