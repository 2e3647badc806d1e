import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

async function searchRead(model, domain, fields, order) {
    return rpc(`/web/dataset/call_kw/${model}/search_read`, {
        model,
        method: "search_read",
        args: [domain, fields],
        kwargs: { order },
    });
}

function assertEqual(actual, expected, what) {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new Error(
            `${what}: the chart shows ${JSON.stringify(actual)}, the records ${JSON.stringify(expected)}`
        );
    }
}

/** Compare the drawn chart with the plan lines and policy of its forecast. */
export async function checkChartMatchesRecords(canvas) {
    const root = canvas.closest(".o_sop_planning_chart");
    const forecastId = parseInt(root.dataset.forecastId);
    const chart = Chart.getChart(canvas);
    const series = Object.fromEntries(chart.data.datasets.map((d) => [d.label, d.data]));
    const lines = await searchRead(
        "sop.plan.line",
        [["forecast_id", "=", forecastId]],
        [
            "consensus_qty",
            "forecast_qty",
            "projected_on_hand",
            "planned_on_hand",
            "planned_receipt_qty",
        ],
        "date_month"
    );
    const planned = (values) => values.slice(values.length - lines.length);
    assertEqual(planned(series["Consensus"]), lines.map((l) => l.consensus_qty), "Consensus");
    assertEqual(
        planned(series["Statistical forecast"]),
        lines.map((l) => l.forecast_qty),
        "Statistical forecast"
    );
    assertEqual(
        planned(series["Projected stock before new orders"]),
        lines.map((l) => l.projected_on_hand),
        "Projected stock before new orders"
    );
    assertEqual(
        planned(series["Projected stock with the plan"]),
        lines.map((l) => l.planned_on_hand),
        "Projected stock with the plan"
    );
    assertEqual(
        planned(series["Planned receipts"]),
        lines.map((l) => l.planned_receipt_qty),
        "Planned receipts"
    );
    const [policy] = await searchRead(
        "sop.inventory.policy",
        [["forecast_id", "=", forecastId]],
        ["reorder_point", "order_up_to"],
        "id"
    );
    if (!policy) {
        return; // a cycle not approved yet draws the policy in force, if any
    }
    assertEqual(series["Reorder point"][0], policy.reorder_point, "Reorder point");
    assertEqual(series["Maximum"][0], policy.order_up_to, "Maximum");
}

registry.category("web_tour.tours").add("sop_planning_chart_from_plan_line", {
    steps: () => [
        {
            content: "Open the planning chart of the first plan line",
            trigger: ".o_data_row:first button:has(.fa-area-chart)",
            run: "click",
        },
        {
            content: "The chart names the product",
            trigger: ".o_sop_planning_chart .o_sop_chart_title:contains('Chart Pump')",
        },
        {
            content: "The chart draws the plan lines and the policy",
            trigger: ".o_sop_planning_chart canvas",
            async run() {
                await checkChartMatchesRecords(this.anchor);
            },
        },
    ],
});
