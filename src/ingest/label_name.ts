/**
 * A valid label (and annotation) name as Alertmanager 0.25 checks it: Prometheus's
 * model.LabelName.IsValid, before UTF-8 names — letters, digits and `_`, not starting with a digit.
 */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
