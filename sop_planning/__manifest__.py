{
    "name": "Sales & Operations Planning",
    "summary": "Monthly S&OP cycle: demand forecast, supply review, "
    "scenarios, executive approval and replenishment",
    "version": "19.0.1.0.0",
    "category": "Supply Chain/Inventory",
    "website": "https://github.com/sop-planning/sop_planning",
    "author": "sop_planning developers",
    "maintainers": ["sop-planning"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "application": True,
    "depends": ["stock", "sale", "sale_stock", "purchase_stock", "mail"],
    "external_dependencies": {
        "python": ["pandas", "statsmodels", "xlsxwriter"],
    },
    "data": [
        "security/sop_planning_groups.xml",
        "security/ir.model.access.csv",
        "security/sop_planning_security.xml",
        "data/ir_sequence_data.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "wizards/sop_cycle_reject_views.xml",
        "views/sop_plan_line_views.xml",
        "views/sop_forecast_views.xml",
        "views/sop_capacity_views.xml",
        "views/sop_inventory_policy_views.xml",
        "views/stock_warehouse_orderpoint_views.xml",
        "views/sop_reorder_proposal_views.xml",
        "views/sop_cycle_views.xml",
        "views/product_template_views.xml",
        "views/res_config_settings_views.xml",
        "views/sop_planning_menus.xml",
    ],
    "demo": [
        "demo/sop_planning_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "sop_planning/static/tests/tours/*.js",
        ],
    },
}
