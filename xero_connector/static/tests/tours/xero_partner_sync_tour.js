/** @odoo-module */

import { registry } from "@web/core/registry";

// The steps on the Xero tab of a record not in Xero yet: tick "Allow Xero Sync", press
// "Sync to Xero", see it synced (shared with the other records' sync tours).
export function syncFromXeroTabSteps() {
    return [
        {
            content: "Open the Xero tab",
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
    ];
}

// Open a partner, tick "Allow Xero Sync", press "Sync to Xero", see the Xero ID.
registry.category("web_tour.tours").add("xero_connector_partner_sync", {
    steps: () => [
        ...syncFromXeroTabSteps(),
        {
            content: "The Xero ID is shown",
            trigger: ".o_field_widget[name='xero_id'] span",
            run() {
                const xeroId = this.anchor.textContent.trim();
                if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(xeroId)) {
                    throw new Error(`Expected a Xero ID on the form, got "${xeroId}"`);
                }
            },
        },
        {
            content: "and the link to open it in Xero",
            trigger: ".o_field_widget[name='xero_url'] a",
        },
    ],
});
