import { registry } from "@web/core/registry";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

import { Component } from "@odoo/owl";

import { PlanningChart } from "./planning_chart";

/** Form widget: the chart of the form's forecast, or of its ``forecast_id``. */
export class PlanningChartWidget extends Component {
    static template = "sop_planning.PlanningChartWidget";
    static components = { PlanningChart };
    static props = { ...standardWidgetProps };

    get forecastId() {
        const record = this.props.record;
        if (record.resModel === "sop.forecast") {
            return record.resId || undefined;
        }
        return record.data.forecast_id?.id || undefined;
    }
}

registry.category("view_widgets").add("sop_planning_chart", {
    component: PlanningChartWidget,
});

/** Client action ``sop_planning_chart``: the chart of the ``forecast_id`` given. */
export class PlanningChartAction extends Component {
    static template = "sop_planning.PlanningChartAction";
    static components = { PlanningChart };
    static props = { ...standardActionServiceProps };

    get forecastId() {
        const { params, context } = this.props.action;
        return params?.forecast_id || context?.forecast_id;
    }
}

registry.category("actions").add("sop_planning_chart", PlanningChartAction);
