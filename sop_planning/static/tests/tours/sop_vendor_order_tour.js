import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("sop_vendor_order_buyer", {
    steps: () => [
        {
            content: "Open the vendor's group of proposed orders",
            trigger: ".o_group_header:contains('Weekly Supplier')",
            run: "click",
        },
        {
            content: "Open the vendor order",
            trigger: ".o_list_view .o_data_row td[name=date_order]",
            run: "click",
        },
        {
            content: "The order reaches the vendor's minimum",
            trigger: ".o_field_widget[name=amount_total]:contains('520.00')",
        },
        {
            content: "Edit the quantity of the brought-forward line",
            trigger: ".o_field_one2many .o_data_row:contains('Soon') td[name=quantity]",
            run: "click",
        },
        {
            content: "Order 20 instead of 14",
            trigger: ".o_field_one2many .o_data_row:contains('Soon') td[name=quantity] input",
            run: "edit 20",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The total follows the buyer's quantity",
            trigger: ".o_field_widget[name=amount_total]:contains('550.00')",
        },
        {
            content: "Create the RFQ",
            trigger: ".o_form_view button[name=action_create_rfq]",
            run: "click",
        },
        {
            content: "The draft RFQ of the vendor opens",
            trigger: ".o_form_view:contains('Request for Quotation') .o_data_row:contains('Soon'):contains('20.00')",
        },
    ],
});
