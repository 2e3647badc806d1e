{
    "name": "S&OP Executive Dashboard",
    "summary": "The S&OP meeting's screen in Odoo's Dashboards app: KPIs with "
    "their trend, plan vs actuals, scenarios and exceptions",
    "version": "19.0.1.0.0",
    "category": "Supply Chain/Inventory",
    "website": "https://github.com/sop-planning/sop_planning",
    "author": "sop_planning developers",
    "maintainers": ["sop-planning"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["sop_planning", "spreadsheet_dashboard"],
    "data": [
        "data/dashboards.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "sop_planning_dashboard/static/tests/tours/*.js",
        ],
    },
    "auto_install": True,
}
