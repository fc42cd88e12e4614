/** @odoo-module */

import { registry } from "@web/core/registry";

// A synced contact's Xero tab: its sync history (the push that created it, a link to that run) and
// "Preview Next Sync", which says what the next push would do without writing to Xero.
registry.category("web_tour.tours").add("xero_connector_history", {
    steps: () => [
        {
            content: "Open the Xero tab",
            trigger: ".o_notebook .nav-link[name='xero']",
            run: "click",
        },
        {
            content: "The history lists the push that created the contact in Xero",
            trigger: ".o_field_widget[name='xero_history_ids'] .o_data_row:contains('Created')",
            run() {
                const rows = document.querySelectorAll(".o_field_widget[name='xero_history_ids'] .o_data_row");
                if (rows.length !== 1) {
                    throw new Error(`Expected one history line (the preview is not history), got ${rows.length}`);
                }
            },
        },
        {
            content: "Open the run of that line",
            trigger: ".o_field_widget[name='xero_history_ids'] .o_data_row button[name='action_open_log']",
            run: "click",
        },
        {
            content: "The run's log opens",
            trigger: ".o_form_view .o_field_widget[name='line_ids'] .o_data_row:contains('History Tour Ltd')",
        },
        {
            content: "Back to the contact",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('History Tour Ltd')",
            run: "click",
        },
        {
            content: "Open the Xero tab again",
            trigger: ".o_notebook .nav-link[name='xero']",
            run: "click",
        },
        {
            content: "Press Preview Next Sync",
            trigger: "button[name='action_xero_preview']",
            run: "click",
        },
        {
            content: "The preview says the edit would be sent as an update",
            trigger: ".modal .o_field_widget[name='line_ids'] .o_data_row:contains('Would be updated in Xero')",
        },
        {
            content: "Close the preview",
            trigger: ".modal .btn-close",
            run: "click",
        },
        {
            content: "The history still lists only the real push",
            trigger: "body:not(:has(.modal)) .o_field_widget[name='xero_history_ids'] .o_data_row:contains('Created')",
        },
    ],
});
