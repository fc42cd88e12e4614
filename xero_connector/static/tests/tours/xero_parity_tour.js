/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Xero › Reporting › Parity Report: a new report for this month, Compute, and the difference row of the
// invoice that was never sent to Xero, with its reason.
registry.category("web_tour.tours").add("xero_connector_parity", {
    steps: () => [
        ...stepUtils.goToAppSteps("xero_connector.menu_xero_root", "Open the Xero app"),
        {
            content: "Open the Reporting menu",
            trigger: ".o_main_navbar .dropdown-toggle:contains('Reporting')",
            run: "click",
        },
        {
            content: "Open the parity reports",
            trigger: ".dropdown-item:contains('Parity Report')",
            run: "click",
        },
        {
            content: "A new report",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Compute it",
            trigger: ".o_form_view button[name='action_compute']:contains('Compute')",
            run: "click",
        },
        {
            content: "The report is computed and counts the difference",
            trigger: ".o_xero_parity_count:contains('differences found')",
        },
        {
            content: "The invoice never sent to Xero is a difference, with its reason",
            trigger: ".o_field_widget[name='difference_ids'] .o_data_row:contains('Not synced'):contains('never sent')",
        },
    ],
});
