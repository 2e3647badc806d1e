import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { DateTimeField, dateField } from "@web/views/fields/datetime/datetime_field";
import { ListDateTimeField } from "@web/views/fields/datetime/list_datetime_field";

/**
 * A date that stands for its month (S&OP months, KPI and budget months):
 * shown as "Nov 2026", picked by month. Odoo's date field shows a day
 * ("Nov 1") and drops the year of the current one.
 */
function formatMonth(value) {
    return value ? value.toFormat("LLL yyyy") : "";
}

export class MonthField extends DateTimeField {
    getFormattedValue(valueIndex) {
        return formatMonth(this.values[valueIndex]);
    }
}

export class ListMonthField extends ListDateTimeField {
    getFormattedValue(valueIndex) {
        return formatMonth(this.values[valueIndex]);
    }
}

const extractMonthProps = (fieldInfo, dynamicInfo) => ({
    ...dateField.extractProps(fieldInfo, dynamicInfo),
    minPrecision: "months",
});

export const monthField = {
    ...dateField,
    component: MonthField,
    displayName: _t("Month"),
    extractProps: extractMonthProps,
};

registry
    .category("fields")
    .add("sop_month", monthField)
    .add("list.sop_month", { ...monthField, component: ListMonthField });
