/** @odoo-module */

import { registry } from "@web/core/registry";

// From the connection: "Sync with Xero", only Contacts, Odoo -> Xero, preview, Run; the queued job opens.
registry.category("web_tour.tours").add("xero_connector_sync_wizard", {
    steps: () => [
        {
            content: "Open the wizard from the connection",
            trigger: "button[name='action_open_sync_wizard']",
            run: "click",
        },
        ...["Products", "Invoices & Bills", "Credit Notes", "Payments"].map((label) => ({
            content: `Leave out ${label}`,
            trigger: `.modal .o_field_widget[name='mapping_ids'] .form-check:contains('${label}') input:checked`,
            run: "click",
        })),
        {
            content: "Contacts stay ticked",
            trigger: ".modal .o_field_widget[name='mapping_ids'] .form-check:contains('Contacts') input:checked",
        },
        {
            content: "Odoo to Xero only",
            trigger: ".modal .o_field_widget[name='direction'] input[data-value='export']",
            run: "click",
        },
        {
            content: "Preview only",
            trigger: ".modal .o_field_widget[name='preview'] input",
            run: "click",
        },
        {
            content: "Run",
            trigger: ".modal button[name='action_run']",
            run: "click",
        },
        {
            content: "The queued job opens",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Queued')",
        },
        {
            content: "for contacts",
            trigger: ".o_form_view .o_field_widget[name='mapping_ids'] .badge:contains('Contacts')",
        },
    ],
});

// Settings › Xero: the connection's status, and how long sync logs are kept.
registry.category("web_tour.tours").add("xero_connector_settings", {
    steps: () => [
        {
            content: "The Xero block says the company is connected",
            trigger: "#xero_status:contains('Connected')",
        },
        {
            content: "Keep sync logs 30 days",
            trigger: "#xero_log_retention input",
            run: "edit 30",
        },
        {
            content: "Save (the settings page reloads)",
            trigger: ".o_form_button_save",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved: the reloaded page keeps 30 days",
            trigger: "#xero_log_retention input",
            run() {
                if (this.anchor.value.trim() !== "30") {
                    throw new Error(`Expected 30 days, got ${this.anchor.value}`);
                }
            },
        },
    ],
});
