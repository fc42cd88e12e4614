/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Open the Xero app: its first screen is the overview; the Products card's "Failed" figure opens the
// failing products' links, and "Why they fail" opens the failing products themselves.
registry.category("web_tour.tours").add("xero_connector_overview", {
    steps: () => [
        ...stepUtils.goToAppSteps("xero_connector.menu_xero_root", "Open the Xero app"),
        {
            content: "The overview shows a card per entity",
            trigger: ".o_kanban_view .o_kanban_record:contains('Contacts')",
        },
        {
            content: "The Products card counts 2 failures: open them",
            trigger: ".o_kanban_record:contains('Products') .o_xero_fig_failed:contains('2')",
            run: "click",
        },
        {
            content: "The list of what the figure counts",
            trigger: ".o_breadcrumb:contains('Products: Failed')",
        },
        {
            content: "Two failing links, with their reason",
            trigger: ".o_list_view .o_data_row:contains('has no Internal Reference')",
            run() {
                const rows = document.querySelectorAll(".o_list_view .o_data_row");
                if (rows.length !== 2) {
                    throw new Error(`Expected the 2 failing products, got ${rows.length} rows`);
                }
            },
        },
        {
            content: "Back to the overview",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "The cause in plain words, with the fix one click away",
            trigger: ".o_kanban_record:contains('Products') .o_xero_top_failures:contains('2 products') button[name='action_open_top_failure']",
            run: "click",
        },
        {
            content: "The failing products themselves",
            trigger: ".o_list_view .o_data_row:contains('Tour Nameless 1')",
        },
    ],
});
