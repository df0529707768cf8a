import { z } from 'zod';

export const CONNECTOR_ID = '.xsoar';
export const CONNECTOR_NAME = 'XSOAR';

export const SUB_ACTION = { GetPlaybooks: 'getPlaybooks', Run: 'run' } as const;

/** XSOAR's incident severities; `unknown` is 0, as in XSOAR. */
export const XSOAR_SEVERITY = { informational: 0.5, unknown: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;

/** Kibana's 15 s for listing playbooks; the effective timeout is the larger of it and responseTimeout. */
export const GET_PLAYBOOKS_TIMEOUT_MS = 15_000;

export const configSchema = z.strictObject({
  url: z.string().meta({ label: 'URL', help: 'The XSOAR server address, e.g. https://xsoar.example.com (for Cortex XSOAR 8 cloud, the API URL).' }),
});

export const secretsSchema = z.strictObject({
  apiKey: z.string().meta({ label: 'API key', help: 'An XSOAR API key, sent as it is in the Authorization header.', secret: true }),
  apiKeyID: z
    .string()
    .nullable()
    .default(null)
    .meta({ label: 'API key ID', help: 'The id of the API key, for Cortex XSOAR 8 (cloud); leave empty for an on-premises server.', secret: true }),
});

export const runParamsSchema = z.strictObject({
  name: z.string().meta({ label: 'Name', help: 'The name of the incident created.' }),
  playbookId: z.string().nullable().default(null).meta({ label: 'Playbook id', help: 'The playbook run on the incident, as the list of playbooks gives it.' }),
  createInvestigation: z.boolean().meta({ label: 'Create investigation', help: 'Whether XSOAR starts an investigation (and its playbook) at once.' }),
  severity: z.coerce.number().meta({ label: 'Severity', help: 'informational 0.5, unknown 0, low 1, medium 2, high 3, critical 4.' }),
  isRuleSeverity: z.boolean().nullable().default(false).meta({ label: 'Use rule severity', help: "In rule actions, the severity is the rule's." }),
  body: z.string().nullable().default(null).meta({ label: 'Body', help: 'More incident fields, as JSON object text; the fields above win over its keys.' }),
});

/** The playbook search answer, as far as the connector checks it; the whole answer is returned. */
export const playbooksResponseSchema = z.looseObject({
  playbooks: z.array(z.looseObject({ id: z.string(), name: z.string() })),
});

/** XSOAR answers an incident create with the incident; any object will do. */
export const incidentResponseSchema = z.looseObject({});

export type XsoarConfig = z.output<typeof configSchema>;
export type XsoarSecrets = z.output<typeof secretsSchema>;
export type XsoarRunParams = z.output<typeof runParamsSchema>;
