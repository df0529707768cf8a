import type { ConnectorCategory } from '../../api/types.js';
import type { FieldOverride } from '../../forms/SchemaForm.js';
import type { SelectOption } from '../../forms/controls.js';
import { jira } from './types/jira.js';
import { swimlane } from './types/swimlane.js';
import { casesWebhook } from './types/cases_webhook.js';
import { serviceNowItom, serviceNowItsm, serviceNowSir } from './types/servicenow.js';

// What the generated forms cannot know about a type: its icon, and for a few types which
// fields matter for the current choices (webhook authentication, email service).

const ICONS: Record<string, string> = {
  '.bedrock': 'logoAWS',
  '.cases-webhook': 'logoWebhook',
  '.crowdstrike': 'securityApp',
  '.d3security': 'securityApp',
  '.email': 'mail',
  '.gemini': 'sparkles',
  '.gen-ai': 'sparkles',
  '.index': 'indexOpen',
  '.inference': 'sparkles',
  '.jira': 'casesApp',
  '.microsoft_defender_endpoint': 'logoSecurity',
  '.opsgenie': 'megaphone',
  '.pagerduty': 'bell',
  '.resilient': 'securityApp',
  '.sentinelone': 'securityApp',
  '.server-log': 'logsApp',
  '.servicenow': 'casesApp',
  '.servicenow-sir': 'securityApp',
  '.servicenow-itom': 'monitoringApp',
  '.slack': 'logoSlack',
  '.slack_api': 'logoSlack',
  '.swimlane': 'casesApp',
  '.teams': 'comment',
  '.tines': 'workflowsApp',
  '.thehive': 'securityApp',
  '.torq': 'bolt',
  '.webhook': 'logoWebhook',
  '.xmatters': 'users',
  '.xsoar': 'securityApp',
};

export const iconOf = (typeId: string) => ICONS[typeId] ?? 'plugs';

export const CATEGORY_TITLES: Record<ConnectorCategory, string> = {
  messaging: 'Messaging',
  paging: 'Paging & on-call',
  itsm: 'ITSM',
  soar: 'SOAR',
  edr: 'EDR',
  ai: 'AI',
  other: 'Other',
};

export const CATEGORY_ORDER = Object.keys(CATEGORY_TITLES) as ConnectorCategory[];


type Value = Record<string, unknown>;

/** Runs one sub-action of the saved connector and answers its data; an error result throws its message. */
export type RunSubAction = (subAction: string, subActionParams?: Value) => Promise<unknown>;

/**
 * Params choices that only the service knows (Jira's issue types, ServiceNow's urgencies), loaded
 * through the saved connector's own sub-actions, as Kibana's params forms load them.
 */
export interface ServiceChoices {
  /** What the choices depend on in the params (the sub-action, the issue type chosen): a change loads them again. */
  dependsOn(params: Value): string;
  /** Select options by dotted params path (`subActionParams.incident.priority`); none where they do not apply. */
  load(run: RunSubAction, params: Value): Promise<Record<string, SelectOption[]>>;
}

export interface TypeCustomization {
  /** Config fields that do not apply to the current config (not drawn, not sent); nested ones by dotted path. */
  hiddenConfig?(config: Value): string[];
  /** Secret fields that do not apply to the current config. */
  hiddenSecrets?(config: Value): string[];
  /** Config fields the current choices make required, though the schema cannot say so; nested ones by dotted path. */
  requiredConfig?(config: Value): string[];
  /** Secret fields the current config makes required (a stored value counts as given). */
  requiredSecrets?(config: Value): string[];
  /** Config problems the schema cannot say, by field (the server takes such a config, as Kibana's does; its form does not). */
  configProblems?(config: Value): Array<{ path: string; message: string }>;
  /** Keeps config fields consistent with each other after a change. */
  normaliseConfig?(config: Value): Value;
  /** What a new connector's config starts from, over the schema's defaults (Kibana's form may differ from its API). */
  newConfig?: Value;
  configOverrides?: Record<string, FieldOverride>;
  secretOverrides?: Record<string, FieldOverride>;
  /** Params the Test tab leaves empty for the user to choose, whatever the type's example holds (recipients). */
  chosenInTest?: string[];
  /** Params the Test tab does not draw, because a test run replaces them (its preview shows what is sent). */
  fixedInTest?: string[];
  /** Params, by dotted path, that the Test tab neither draws nor sends (those only in-process callers give). */
  hiddenInTest?: string[];
  /**
   * By sub-action: the only subActionParams fields its Test tab draws and sends, where the
   * schema has too many to draw (SentinelOne's ~150 agent filters); the rest stay unset.
   */
  shownInTest?: Record<string, string[]>;
  /** Choices the Test tab of a saved connector loads from the service. */
  serviceChoices?: ServiceChoices;
  /** The connector form in steps, each drawing the config and secret fields it names (a field no step names is not drawn). */
  steps?: FormStep[];
  /** Generative-AI types: the Test tab's prompt, sent as a streamed sub-action, its answer shown as it arrives. */
  promptTest?: PromptTest;
}

/** How a prompt is sent to a generative-AI type, and how its streamed chunks read as text. */
export interface PromptTest {
  /** The params of a streaming run of this prompt. */
  params(prompt: string): Value;
  /** The text a chunk of the answer adds (a chunk event's JSON). */
  textOf(chunk: unknown): string;
}

export interface FormStep {
  title: string;
  description?: string;
  config?: string[];
  secrets?: string[];
}

const WEBHOOK_AUTH = {
  basic: 'webhook-authentication-basic',
  ssl: 'webhook-authentication-ssl',
  oauth2: 'webhook-oauth2-client-credentials',
  query: 'http-authentication-query-param',
};
const OAUTH_FIELDS = ['accessTokenUrl', 'clientId', 'scope', 'additionalFields'];

// The values stay Kibana's (none, certificate, full); the choices say what they do.
const VERIFICATION_MODES: FieldOverride = {
  options: [
    { value: 'full', text: 'Full: the certificate and the host name' },
    { value: 'certificate', text: 'Certificate only: any host name' },
    { value: 'none', text: 'None: any certificate (unsafe)' },
  ],
};

const webhook: TypeCustomization = {
  // hasAuth decides whether there is an authType at all; with it, basic is the default (as on the server).
  normaliseConfig(config) {
    if (config.hasAuth === false) {
      const { authType: _dropped, ...rest } = config;
      return rest;
    }
    return config.authType == null ? { ...config, authType: WEBHOOK_AUTH.basic } : config;
  },
  hiddenConfig(config) {
    const auth = config.hasAuth === false ? undefined : config.authType;
    return [
      ...(config.hasAuth === false ? ['authType'] : []),
      ...(auth === WEBHOOK_AUTH.ssl ? [] : ['certType']),
      ...(auth === WEBHOOK_AUTH.oauth2 ? [] : OAUTH_FIELDS),
    ];
  },
  requiredConfig: (config) => (config.hasAuth !== false && config.authType === WEBHOOK_AUTH.oauth2 ? ['accessTokenUrl', 'clientId'] : []),
  requiredSecrets(config) {
    if (config.hasAuth === false) return [];
    const auth = config.authType ?? WEBHOOK_AUTH.basic;
    if (auth === WEBHOOK_AUTH.basic) return ['user', 'password'];
    if (auth === WEBHOOK_AUTH.oauth2) return ['clientSecret'];
    // Certificates: the files of the type chosen (either kind when none is).
    if (auth === WEBHOOK_AUTH.ssl) return config.certType === 'ssl-pfx' ? ['pfx'] : config.certType === 'ssl-crt-key' ? ['crt', 'key'] : [];
    return [];
  },
  hiddenSecrets(config) {
    const auth = config.hasAuth === false ? undefined : (config.authType ?? WEBHOOK_AUTH.basic);
    const pfx = config.certType === 'ssl-pfx';
    const shown = new Set<string>(['secretHeaders']);
    if (auth === WEBHOOK_AUTH.basic) ['user', 'password'].forEach((f) => shown.add(f));
    if (auth === WEBHOOK_AUTH.ssl) (pfx ? ['pfx', 'password'] : ['crt', 'key', 'password']).forEach((f) => shown.add(f));
    if (auth === WEBHOOK_AUTH.oauth2) shown.add('clientSecret');
    return ['user', 'password', 'crt', 'key', 'pfx', 'clientSecret'].filter((f) => !shown.has(f));
  },
  configOverrides: {
    method: { options: ['post', 'put', 'patch', 'get', 'delete'].map((m) => ({ value: m, text: m.toUpperCase() })) },
    authType: {
      options: [
        { value: WEBHOOK_AUTH.basic, text: 'Basic authentication' },
        { value: WEBHOOK_AUTH.ssl, text: 'SSL (certificate)' },
        { value: WEBHOOK_AUTH.oauth2, text: 'OAuth 2.0 client credentials' },
        { value: WEBHOOK_AUTH.query, text: 'Query parameter' },
      ],
      alwaysSet: true,
    },
    certType: {
      options: [
        { value: 'ssl-crt-key', text: 'CRT and key files' },
        { value: 'ssl-pfx', text: 'PFX file' },
      ],
      emptyText: 'Chosen from the files given',
    },
    url: { placeholder: 'https://example.com/hook' },
    ca: { pemFile: true },
    verificationMode: { ...VERIFICATION_MODES, emptyText: 'The Plugboard default (full unless configured)' },
  },
};

const email: TypeCustomization = {
  hiddenConfig(config) {
    const service = config.service ?? 'other';
    const exchange = service === 'exchange_server';
    return [
      ...(service === 'other' ? [] : ['host', 'port', 'secure']),
      ...(exchange ? ['hasAuth'] : ['tenantId', 'clientId', 'oauthTokenUrl']),
    ];
  },
  requiredConfig(config) {
    const service = config.service ?? 'other';
    return service === 'other' ? ['host', 'port'] : service === 'exchange_server' ? ['tenantId', 'clientId'] : [];
  },
  requiredSecrets(config) {
    if (config.service === 'exchange_server') return ['clientSecret'];
    return config.hasAuth === false ? [] : ['user', 'password'];
  },
  // A test over HTTP sends a fixed subject and message: the Test tab shows them in its preview.
  chosenInTest: ['to', 'cc', 'bcc'],
  fixedInTest: ['subject', 'message', 'messageHTML', 'kibanaFooterLink', 'attachments'],
  hiddenSecrets(config) {
    const exchange = config.service === 'exchange_server';
    return [...(exchange || config.hasAuth === false ? ['user', 'password'] : []), ...(exchange ? [] : ['clientSecret'])];
  },
  configOverrides: {
    service: {
      options: [
        { value: 'gmail', text: 'Gmail' },
        { value: 'outlook365', text: 'Outlook' },
        { value: 'ses', text: 'Amazon SES' },
        { value: 'elastic_cloud', text: 'Elastic Cloud' },
        { value: 'exchange_server', text: 'MS Exchange Server' },
        { value: 'other', text: 'Other (SMTP host and port)' },
      ],
    },
    from: { placeholder: 'alerts@example.com' },
  },
};

const xmatters: TypeCustomization = {
  requiredConfig: (config) => (config.usesBasic === false ? [] : ['configUrl']),
  requiredSecrets: (config) => (config.usesBasic === false ? ['secretsUrl'] : ['user', 'password']),
  hiddenConfig: (config) => (config.usesBasic === false ? ['configUrl'] : []),
  hiddenSecrets: (config) => (config.usesBasic === false ? ['user', 'password'] : ['secretsUrl']),
};

const slackApi: TypeCustomization = {
  configOverrides: { allowedChannels: { placeholder: '[{"id": "C0123456789", "name": "#general"}]' } },
};

const OPENAI_URL = 'https://api.openai.com/v1/chat/completions';
const PKI_SECRETS = ['certificateData', 'privateKeyData', 'caData'];

const genAi: TypeCustomization = {
  // As Kibana's form: OpenAI starts from its own URL; the others have none to offer.
  newConfig: { apiProvider: 'OpenAI', apiUrl: OPENAI_URL },
  normaliseConfig(config) {
    if (config.apiProvider === 'OpenAI' && !config.apiUrl) return { ...config, apiUrl: OPENAI_URL };
    if (config.apiProvider !== 'OpenAI' && config.apiUrl === OPENAI_URL) return { ...config, apiUrl: '' };
    return config;
  },
  // A client certificate is for Other only, which may take it instead of a key.
  hiddenSecrets: (config) => (config.apiProvider === 'Other' ? [] : PKI_SECRETS),
  requiredSecrets: (config) => (config.apiProvider === 'Other' ? [] : ['apiKey']),
  configOverrides: {
    apiProvider: {
      options: [
        { value: 'OpenAI', text: 'OpenAI' },
        { value: 'Azure OpenAI', text: 'Azure OpenAI' },
        { value: 'Other', text: 'Other (OpenAI-compatible service)' },
      ],
      alwaysSet: true,
    },
    verificationMode: VERIFICATION_MODES,
  },
  secretOverrides: { certificateData: { pemFile: true }, privateKeyData: { pemFile: true }, caData: { pemFile: true } },
  hiddenInTest: ['subActionParams.signal', 'subActionParams.telemetryMetadata'],
  // invokeStream: the provider's chat.completion.chunk events, each delta's content.
  promptTest: {
    params: (prompt) => ({ subAction: 'invokeStream', subActionParams: { messages: [{ role: 'user', content: prompt }] } }),
    textOf: (chunk) => {
      const content = (chunk as { choices?: Array<{ delta?: { content?: unknown } }> } | null)?.choices?.[0]?.delta?.content;
      return typeof content === 'string' ? content : '';
    },
  },
};

const GEMINI_URL = 'https://us-central1-aiplatform.googleapis.com';

const gemini: TypeCustomization = {
  // As Kibana's form: Vertex AI's us-central1 endpoint and region to start from.
  newConfig: { apiUrl: GEMINI_URL, gcpRegion: 'us-central1', defaultModel: 'gemini-2.5-pro' },
  configOverrides: { gcpProjectID: { placeholder: 'my-gcp-project' } },
  secretOverrides: { credentialsJson: { multiline: true, placeholder: '{"type": "service_account", "project_id": …, "private_key": …, "client_email": …}' } },
  hiddenInTest: ['subActionParams.signal', 'subActionParams.telemetryMetadata'],
  promptTest: {
    params: (prompt) => ({ subAction: 'invokeStream', subActionParams: { messages: [{ role: 'user', content: prompt }] } }),
    // Each streamed GenerateContentResponse adds the text parts of its first candidate.
    textOf: (chunk) => {
      const parts = (chunk as { candidates?: Array<{ content?: { parts?: Array<{ text?: unknown }> } }> } | null)?.candidates?.[0]?.content?.parts ?? [];
      return parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
    },
  },
};

const BEDROCK_URL = 'https://bedrock-runtime.us-east-1.amazonaws.com';

const bedrock: TypeCustomization = {
  // As Kibana's form: the us-east-1 runtime endpoint to start from (the default model is the schema's).
  newConfig: { apiUrl: BEDROCK_URL },
  configOverrides: {
    apiUrl: { placeholder: BEDROCK_URL },
    region: { placeholder: 'Read from the URL (us-east-1 when it has none)' },
  },
  secretOverrides: { accessKey: { placeholder: 'AKIA…' } },
  hiddenInTest: ['subActionParams.signal', 'subActionParams.telemetryMetadata'],
  promptTest: {
    params: (prompt) => ({ subAction: 'invokeStream', subActionParams: { messages: [{ role: 'user', content: prompt }] } }),
    // InvokeModel's stream: Anthropic's events, the text in each content_block_delta.
    textOf: (chunk) => {
      const event = chunk as { type?: string; delta?: { text?: unknown } } | null;
      return event?.type === 'content_block_delta' && typeof event.delta?.text === 'string' ? event.delta.text : '';
    },
  },
};

const inference: TypeCustomization = {
  // Kibana's form starts from its own chat completion; settings and secrets are JSON objects
  // (dotted keys, as Kibana's form keeps them, are nested when the endpoint is created).
  newConfig: { taskType: 'chat_completion', providerConfig: {}, taskTypeConfig: {} },
  configOverrides: {
    provider: { alwaysSet: false, emptyText: 'Choose a provider' },
    inferenceId: { placeholder: 'my-chat-endpoint' },
    providerConfig: { placeholder: '{"model_id": "gpt-4o"}' },
  },
  secretOverrides: { providerSecrets: { placeholder: '{"api_key": "…"}' } },
  hiddenInTest: ['subActionParams.signal', 'subActionParams.telemetryMetadata'],
  // unified_completion_stream: Elasticsearch's chat.completion.chunk events, each delta's content.
  promptTest: {
    params: (prompt) => ({ subAction: 'unified_completion_stream', subActionParams: { body: { messages: [{ role: 'user', content: prompt }] } } }),
    textOf: (chunk) => genAi.promptTest!.textOf(chunk),
  },
};

// No default URL, as in Kibana's form: each Falcon cloud (US-1, US-2, EU-1, GovCloud) has its own API host.
const crowdstrike: TypeCustomization = {
  configOverrides: { url: { placeholder: 'https://api.crowdstrike.com' } },
};

const defender: TypeCustomization = {
  // As Kibana's form: Entra ID's global login address, Defender's API and its scope to start from.
  newConfig: {
    oAuthServerUrl: 'https://login.microsoftonline.com',
    oAuthScope: 'https://securitycenter.onmicrosoft.com/windowsatpservice/.default',
    apiUrl: 'https://api.securitycenter.microsoft.com',
  },
  configOverrides: {
    clientId: { placeholder: '00000000-0000-0000-0000-000000000000' },
    tenantId: { placeholder: '00000000-0000-0000-0000-000000000000' },
  },
};

// The agent filters people use most; the others (ranges, `Nin` lists, cloud and AD fields)
// remain for the API and rule actions.
const SENTINELONE_AGENT_FILTERS = ['computerName', 'computerName__contains', 'uuid', 'uuids', 'ids', 'networkStatuses', 'osTypes', 'siteIds', 'groupIds', 'isActive', 'query'];
const sentinelOne: TypeCustomization = {
  shownInTest: { getAgents: SENTINELONE_AGENT_FILTERS, isolateHost: SENTINELONE_AGENT_FILTERS, releaseHost: SENTINELONE_AGENT_FILTERS },
};

const CUSTOMIZATIONS: Record<string, TypeCustomization> = {
  '.crowdstrike': crowdstrike,
  '.inference': inference,
  '.bedrock': bedrock,
  '.gen-ai': genAi,
  '.gemini': gemini,
  '.microsoft_defender_endpoint': defender,
  '.cases-webhook': casesWebhook,
  '.webhook': webhook,
  '.email': email,
  '.xmatters': xmatters,
  '.slack_api': slackApi,
  '.jira': jira,
  '.swimlane': swimlane,
  '.servicenow': serviceNowItsm,
  '.servicenow-sir': serviceNowSir,
  '.servicenow-itom': serviceNowItom,
  '.sentinelone': sentinelOne,
};

export const customizationOf = (typeId: string): TypeCustomization => CUSTOMIZATIONS[typeId] ?? {};
