import { registry } from "@web/core/registry";
import { checkChartMatchesRecords } from "@sop_planning/../tests/tours/sop_planning_chart_tour";

registry.category("web_tour.tours").add("sop_dashboard_executive", {
    steps: () => [
        {
            content: "Open the S&OP dashboard under Supply Chain",
            trigger:
                ".o_search_panel_section:has(header:contains('Supply Chain')) li[data-name='S&OP Executive']",
            run: "click",
            timeout: 60000, // the spreadsheet bundle loads on first use
        },
        {
            content: "It is open, its KPI tiles drawn",
            trigger:
                ".o_spreadsheet_dashboard_action:has(li.active[data-name='S&OP Executive']) .o_renderer .o-figure",
            timeout: 60000,
        },
        {
            content: "Go to the forecasts",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer",
            run: "goToUrl /odoo/action-sop_planning.sop_forecast_action",
            expectUnloadPage: true,
        },
        {
            content: "Open the product's forecast",
            trigger: ".o_data_row td:contains('Dash Tour Pump')",
            run: "click",
        },
        {
            content: "Its planning chart names the product",
            trigger: ".o_sop_planning_chart .o_sop_chart_title:contains('Dash Tour Pump')",
        },
        {
            content: "The chart draws the product's plan lines",
            trigger: ".o_sop_planning_chart canvas",
            async run() {
                await checkChartMatchesRecords(this.anchor);
            },
        },
    ],
});
