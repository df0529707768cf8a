import type { SelectOption } from '../../../forms/controls.js';
import type { ServiceChoices, TypeCustomization } from '../type_ui.js';

// Jira lists its issue types per project, and the priorities per issue type: the Test tab asks
// the connector for both (issueTypes, fieldsByIssueType), as Kibana's Jira params form does.

type Value = Record<string, unknown>;
interface Named {
  id?: string;
  name?: string;
}

const ISSUE_TYPE = 'subActionParams.incident.issueType';
const PRIORITY = 'subActionParams.incident.priority';

const incidentOf = (params: Value): Value => {
  const sub = params.subActionParams as Value | undefined;
  return (sub?.incident as Value | undefined) ?? {};
};
const issueTypeOf = (params: Value) => (typeof incidentOf(params).issueType === 'string' ? (incidentOf(params).issueType as string) : '');
const pushing = (params: Value) => params.subAction === 'pushToService';

const jiraChoices: ServiceChoices = {
  dependsOn: (params) => (pushing(params) ? `push:${issueTypeOf(params)}` : ''),
  async load(run, params) {
    if (!pushing(params)) return {};
    const types = ((await run('issueTypes')) as Named[] | undefined) ?? [];
    const choices: Record<string, SelectOption[]> = {
      [ISSUE_TYPE]: types.filter((t) => t.id).map((t) => ({ value: t.id!, text: t.name ?? t.id! })),
    };
    // The priorities of the issue type chosen, else of the first one listed (Kibana picks it).
    const issueType = issueTypeOf(params) || types[0]?.id;
    if (issueType) {
      const fields = ((await run('fieldsByIssueType', { id: issueType })) ?? {}) as Record<string, { allowedValues?: Named[] } | undefined>;
      if (fields.priority) choices[PRIORITY] = (fields.priority.allowedValues ?? []).filter((p) => p.name).map((p) => ({ value: p.name!, text: p.name! }));
    }
    return choices;
  },
};

export const jira: TypeCustomization = { serviceChoices: jiraChoices };
