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
