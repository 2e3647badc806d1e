import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/views/fields/formatters";

import { Component, onWillStart, onWillUpdateProps, useEffect, useRef, useState } from "@odoo/owl";

const COLORS = {
    history: "#5B8DB8",
    unknown: "#D9534F",
    band: "rgba(240, 173, 78, 0.18)",
    forecast: "#F0AD4E",
    consensus: "#1F4E79",
    planned: "#2E8B57",
    receipts: "rgba(46, 139, 87, 0.35)",
    projected: "#7F8C8D",
    reorderPoint: "#C0392B",
    maximum: "#8E44AD",
};

// the chart's series and figures; the server sends False for "no value"
const SERIES = [
    "history",
    "forecast",
    "low",
    "high",
    "consensus",
    "planned",
    "receipts",
    "projected",
];
const FIGURES = ["reorder_point", "maximum", "policy_cycle"];

/**
 * The chart data with null where the server sent False (RPC has no null):
 * Chart.js leaves a gap for null, but draws false as 0.
 */
function withGaps(data) {
    const gap = (value) => (value === false ? null : value);
    const result = { ...data };
    for (const name of SERIES) {
        result[name] = data[name].map(gap);
    }
    for (const name of FIGURES) {
        result[name] = gap(data[name]);
    }
    return result;
}

/**
 * Planning chart of one product in one warehouse: history by month (months
 * out of stock or with lost sales marked), statistical forecast with its
 * low/high band, consensus, projected stock with the supply plan and its
 * planned receipts, stock if nothing more is ordered, reorder point and maximum.
 * Its data come from ``sop.forecast.get_planning_chart``.
 */
export class PlanningChart extends Component {
    static template = "sop_planning.PlanningChart";
    static props = { forecastId: { type: Number, optional: true } };

    setup() {
        this.orm = useService("orm");
        this.canvasRef = useRef("canvas");
        this.state = useState({ data: null });
        this.chart = null;
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load(this.props.forecastId);
        });
        onWillUpdateProps(async (nextProps) => {
            if (nextProps.forecastId !== this.props.forecastId) {
                await this.load(nextProps.forecastId);
            }
        });
        useEffect(
            () => {
                this.renderChart();
                return () => this.chart?.destroy();
            },
            () => [this.state.data]
        );
    }

    async load(forecastId) {
        this.state.data = forecastId
            ? withGaps(
                  await this.orm.call("sop.forecast", "get_planning_chart", [[forecastId]])
              )
            : null;
    }

    format(value) {
        return value === null || value === undefined ? "-" : formatFloat(value, { digits: [16, 0] });
    }

    get hasUnknown() {
        return this.state.data?.unknown.some(Boolean);
    }

    datasets(data) {
        const flat = (value) => data.months.map(() => value);
        const line = (label, values, color, extra = {}) => ({
            type: "line",
            label,
            data: values,
            borderColor: color,
            backgroundColor: color,
            pointRadius: 2,
            borderWidth: 2,
            spanGaps: false,
            ...extra,
        });
        const sets = [
            {
                type: "bar",
                label: _t("History"),
                data: data.history,
                backgroundColor: COLORS.history,
                order: 10,
            },
            {
                type: "line",
                label: _t("Out of stock or lost sales"),
                data: data.unknown.map((unknown) => (unknown ? 0 : null)),
                showLine: false,
                pointStyle: "triangle",
                pointRadius: 7,
                borderColor: COLORS.unknown,
                backgroundColor: COLORS.unknown,
            },
            line(_t("Low"), data.low, "transparent", { pointRadius: 0, borderWidth: 0 }),
            line(_t("Forecast range"), data.high, "transparent", {
                pointRadius: 0,
                borderWidth: 0,
                fill: "-1",
                backgroundColor: COLORS.band,
            }),
            line(_t("Statistical forecast"), data.forecast, COLORS.forecast, {
                borderDash: [6, 4],
            }),
            line(_t("Consensus"), data.consensus, COLORS.consensus, { borderWidth: 3 }),
            {
                type: "bar",
                label: _t("Planned receipts"),
                data: data.receipts,
                backgroundColor: COLORS.receipts,
                order: 11,
            },
            line(_t("Projected stock with the plan"), data.planned, COLORS.planned, {
                stepped: "middle",
                borderWidth: 3,
            }),
            line(_t("Projected stock before new orders"), data.projected, COLORS.projected, {
                stepped: "middle",
                borderDash: [4, 4],
                borderWidth: 1,
                pointRadius: 0,
            }),
        ];
        if (data.reorder_point !== null) {
            sets.push(
                line(_t("Reorder point"), flat(data.reorder_point), COLORS.reorderPoint, {
                    borderDash: [2, 3],
                    pointRadius: 0,
                })
            );
        }
        if (data.maximum !== null) {
            sets.push(
                line(_t("Maximum"), flat(data.maximum), COLORS.maximum, {
                    borderDash: [8, 4],
                    pointRadius: 0,
                })
            );
        }
        return sets;
    }

    /**
     * The stock without new orders may fall far below zero: it leaves the
     * chart at the bottom rather than squash the plan into a thin band.
     */
    axisMin(data) {
        const shown = [...data.history, ...data.low, ...data.planned, 0].filter(
            (value) => value !== null
        );
        const lowest = Math.min(...shown);
        const highest = Math.max(...shown, data.maximum ?? 0);
        const step = 10 ** (Math.floor(Math.log10(Math.max(highest - lowest, 10))) - 1);
        return Math.min(...data.projected.filter((v) => v !== null)) < lowest
            ? Math.floor((lowest - 0.1 * (highest - lowest)) / step) * step
            : undefined;
    }

    renderChart() {
        this.chart?.destroy();
        this.chart = null;
        const data = this.state.data;
        if (!data || !this.canvasRef.el) {
            return;
        }
        const labels = data.months.map((month) =>
            luxon.DateTime.fromISO(month).toFormat("LLL yy")
        );
        this.chart = new Chart(this.canvasRef.el, {
            type: "bar",
            data: { labels, datasets: this.datasets(data) },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                animation: false,
                interaction: { mode: "index", intersect: false },
                scales: {
                    y: { title: { display: true, text: data.uom }, min: this.axisMin(data) },
                },
                plugins: {
                    legend: {
                        position: "bottom",
                        labels: {
                            usePointStyle: true,
                            filter: (item) => item.text !== _t("Low"),
                            sort: (a, b) => a.datasetIndex - b.datasetIndex,
                        },
                    },
                    tooltip: {
                        filter: (item) => item.raw !== null && item.dataset.label !== _t("Low"),
                        callbacks: {
                            label: (item) =>
                                item.dataset.label === _t("Forecast range")
                                    ? `${item.dataset.label}: ${this.format(
                                          data.low[item.dataIndex]
                                      )} - ${this.format(item.raw)}`
                                    : `${item.dataset.label}: ${this.format(item.raw)}`,
                        },
                    },
                },
            },
        });
    }
}
