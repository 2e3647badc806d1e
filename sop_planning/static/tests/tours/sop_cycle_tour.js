import { registry } from "@web/core/registry";

const clickButton = (name) => ({
    content: `Click ${name}`,
    trigger: `.o_form_view button[name=${name}]`,
    run: "click",
});

const statusIs = (label) => ({
    content: `The cycle is in ${label}`,
    trigger: `.o_statusbar_status button.o_arrow_button_current:contains('${label}')`,
});

registry.category("web_tour.tours").add("sop_cycle_planner_submit", {
    steps: () => [
        {
            content: "Open the draft cycle from the kanban",
            trigger: ".o_kanban_record:contains('Tour cycle')",
            run: "click",
        },
        statusIs("Draft"),
        clickButton("action_start_demand_review"),
        statusIs("Demand Review"),
        clickButton("action_submit_supply_review"),
        statusIs("Supply Review"),
        clickButton("action_submit_reconciliation"),
        statusIs("Reconciliation"),
        {
            content: "A planner sees no approval button",
            trigger: ".o_form_view:not(:has(button[name=action_approve]))",
        },
        clickButton("action_submit_executive_review"),
        statusIs("Executive Review"),
        {
            content: "Still no approval button for a planner",
            trigger: ".o_form_view:not(:has(button[name=action_approve]))",
        },
    ],
});

registry.category("web_tour.tours").add("sop_cycle_executive_reject_approve", {
    steps: () => [
        {
            content: "Open the cycle waiting for approval",
            trigger: ".o_kanban_record:contains('Tour cycle')",
            run: "click",
        },
        statusIs("Executive Review"),
        clickButton("action_reject"),
        {
            content: "Give the rejection reason",
            trigger: ".modal textarea#reason_0, .modal div[name=reason] textarea",
            run: "edit Capacity of vendor A is overstated",
        },
        {
            content: "Confirm the rejection",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        statusIs("Reconciliation"),
        {
            content: "The reason is in the chatter",
            trigger: ".o-mail-Message:contains('Capacity of vendor A is overstated')",
        },
        clickButton("action_submit_executive_review"),
        statusIs("Executive Review"),
        clickButton("action_approve"),
        {
            content: "Confirm the approval",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        statusIs("Approved"),
        {
            content: "The approved plan is the active plan",
            trigger: ".ribbon:contains('Active Plan')",
        },
    ],
});

const firstPumpLine = ".o_list_renderer .o_data_row:first:contains('Tour Pump')";

registry.category("web_tour.tours").add("sop_cycle_planner_forecast_adjust", {
    steps: () => [
        {
            content: "Open the cycle in demand review",
            trigger: ".o_kanban_record:contains('Tour full cycle')",
            run: "click",
        },
        statusIs("Demand Review"),
        clickButton("action_run_forecast"),
        {
            content: "The forecast of the pump is in the Forecasts tab",
            trigger: ".o_notebook a[name=forecasts]",
            run: "click",
        },
        {
            content: "The pump got a forecast",
            trigger: ".o_field_widget[name=forecast_ids] .o_data_row:contains('Tour Pump')",
        },
        {
            content: "Open the plan lines",
            trigger: ".o_control_panel button[name=action_open_plan_lines]:contains('Plan Lines')",
            run: "click",
        },
        {
            content: "Plan months read as months, with their year (Dec 2026, not Dec 1)",
            trigger: `${firstPumpLine} td[name=date_month]:contains('${luxon.DateTime.now().toFormat("LLL yyyy")}')`,
        },
        {
            content: "Edit the adjustment of the first month",
            trigger: `${firstPumpLine} td[name=adjustment_qty]`,
            run: "click",
        },
        {
            content: "Add 5 units",
            trigger: ".o_selected_row td[name=adjustment_qty] input",
            run: "edit 5",
        },
        {
            content: "Open the reasons",
            trigger: ".o_selected_row td[name=adjustment_reason] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "The reason is a promotion",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Promotion')",
            run: "click",
        },
        {
            content: "Save the line",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The line is saved with its reason; the consensus is 10 + 5",
            trigger: `.o_list_renderer:not(:has(.o_selected_row)) .o_data_row:first:contains('Tour Pump'):has(td[name=adjustment_reason]:contains('Promotion')) td[name=consensus_qty]:contains('15.00')`,
        },
        {
            content: "Back to the cycle",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Tour full cycle')",
            run: "click",
        },
        statusIs("Demand Review"),
        clickButton("action_submit_supply_review"),
        statusIs("Supply Review"),
        clickButton("action_submit_reconciliation"),
        statusIs("Reconciliation"),
        clickButton("action_submit_executive_review"),
        statusIs("Executive Review"),
    ],
});

registry.category("web_tour.tours").add("sop_cycle_executive_approve", {
    steps: () => [
        {
            content: "Open the cycle waiting for approval",
            trigger: ".o_kanban_record:contains('Tour full cycle')",
            run: "click",
        },
        statusIs("Executive Review"),
        clickButton("action_score_scenarios"),
        {
            content: "The scenarios are scored",
            trigger: "button[name=action_open_scenarios]:contains('2')",
            run: "click",
        },
        {
            content: "The comparison lists the late-vendor scenario next to the base plan",
            trigger: ".o_list_view .o_data_row:contains('Vendor two weeks late')",
        },
        {
            content: "The base plan is in the comparison too",
            trigger: ".o_list_view .o_data_row:contains('Base plan')",
        },
        {
            content: "Back to the cycle",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Tour full cycle')",
            run: "click",
        },
        statusIs("Executive Review"),
        {
            content: "Approve with the late-vendor scenario",
            trigger: ".o_field_widget[name=approved_scenario_id] input",
            run: "edit Vendor two",
        },
        {
            content: "Pick the scenario",
            trigger: ".o-autocomplete--dropdown-item:contains('Vendor two weeks late')",
            run: "click",
        },
        clickButton("action_approve"),
        {
            content: "Confirm the approval",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        statusIs("Approved"),
        {
            content: "The plan set the reordering policies",
            trigger: "button[name=action_open_policies]:contains('1')",
        },
    ],
});

registry.category("web_tour.tours").add("sop_buyer_sees_proposal", {
    steps: () => [
        {
            content: "Open the Orders menu of Purchase",
            trigger: ".o_main_navbar [data-menu-xmlid='purchase.menu_procurement_management']",
            run: "click",
        },
        {
            content: "Open the S&OP reorder proposals",
            trigger: ".dropdown-item[data-menu-xmlid='sop_planning.sop_reorder_proposal_menu_purchase']",
            run: "click",
        },
        {
            content: "Open the proposal for the pump",
            trigger: ".o_data_row:contains('Vendor') td[name=product_id]:contains('Tour Pump')",
            run: "click",
        },
        {
            content: "The proposal explains itself and can be ordered",
            trigger: ".o_form_view:has(.o_field_widget[name=explanation_display]:contains('below the reorder point')) button[name=action_confirm]:contains('Order')",
        },
    ],
});
