import type { FieldOverride } from '../../../forms/SchemaForm.js';
import { customizationOf, type TypeCustomization } from '../type_ui.js';
import { templateProblems } from './cases_webhook_templates.js';

// Webhook - Case Management: the webhook's authentication, without OAuth2 (Kibana refuses it for
// this type), then one step per request the connector makes, as Kibana's form has them.

const OAUTH_CONFIG = ['accessTokenUrl', 'clientId', 'scope', 'additionalFields'];
const OAUTH2 = 'webhook-oauth2-client-credentials';

// Read when the form draws, not at load: type_ui.ts imports this module.
const webhook = () => customizationOf('.webhook');
const upperCased = (methods: string[]) => methods.map((m) => ({ value: m, text: m.toUpperCase() }));

export const casesWebhook: TypeCustomization = {
  normaliseConfig: (config) => webhook().normaliseConfig!(config),
  hiddenConfig: (config) => [...webhook().hiddenConfig!(config).filter((f) => !OAUTH_CONFIG.includes(f)), ...OAUTH_CONFIG],
  hiddenSecrets: (config) => [...webhook().hiddenSecrets!(config).filter((f) => f !== 'clientSecret'), 'clientSecret'],
  requiredSecrets: (config) => webhook().requiredSecrets!(config),
  // A POST get request needs its object, as Kibana's form says.
  requiredConfig: (config) => (config.getIncidentMethod === 'post' ? ['getIncidentJson'] : []),
  configProblems: templateProblems,
  get configOverrides(): Record<string, FieldOverride> {
    const { authType, certType, ca, verificationMode } = webhook().configOverrides!;
    return {
      authType: { ...authType, options: authType!.options!.filter((o) => o.value !== OAUTH2) },
      certType: certType!,
      ca: ca!,
      verificationMode: verificationMode!,
      createIncidentMethod: { options: upperCased(['post', 'put']), alwaysSet: true },
      getIncidentMethod: { options: upperCased(['get', 'post']), alwaysSet: true },
      updateIncidentMethod: { options: upperCased(['post', 'patch', 'put']), alwaysSet: true },
      createCommentMethod: { options: upperCased(['post', 'put', 'patch']), emptyText: 'No comments sent' },
      createIncidentUrl: { placeholder: 'https://jira.example.com/rest/api/2/issue' },
      getIncidentUrl: { placeholder: 'https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}' },
      viewIncidentUrl: { placeholder: 'https://jira.example.com/browse/{{{external.system.title}}}' },
      updateIncidentUrl: { placeholder: 'https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}' },
      createCommentUrl: { placeholder: 'https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}/comment' },
      createIncidentJson: { placeholder: '{"fields": {"summary": {{{case.title}}}, "description": {{{case.description}}}}}' },
      updateIncidentJson: { placeholder: '{"fields": {"summary": {{{case.title}}}, "description": {{{case.description}}}}}' },
      createCommentJson: { placeholder: '{"body": {{{case.comment}}}}' },
      createIncidentResponseKey: { placeholder: 'id' },
      getIncidentResponseExternalTitleKey: { placeholder: 'key' },
    };
  },
  steps: [
    {
      title: 'Set up connector',
      description: 'How the connector signs in to the external system, and the headers every request carries.',
      config: ['hasAuth', 'authType', 'certType', 'ca', 'verificationMode', 'headers'],
      secrets: ['user', 'password', 'crt', 'key', 'pfx', 'secretHeaders'],
    },
    {
      title: 'Create case',
      description: "The request that creates a case in the external system; see your service's API documentation for the fields it needs.",
      config: ['createIncidentMethod', 'createIncidentUrl', 'createIncidentJson', 'createIncidentResponseKey'],
    },
    {
      title: 'Get case information',
      description: 'The request that reads a case back for its title, and the page that shows it.',
      config: ['getIncidentMethod', 'getIncidentUrl', 'getIncidentJson', 'getIncidentResponseExternalTitleKey', 'viewIncidentUrl'],
    },
    {
      title: 'Update case',
      description: 'The request that updates a case already pushed.',
      config: ['updateIncidentMethod', 'updateIncidentUrl', 'updateIncidentJson'],
    },
    {
      title: 'Add comment',
      description: 'The request that adds a comment to a case; leave it empty to send no comments.',
      config: ['createCommentMethod', 'createCommentUrl', 'createCommentJson'],
    },
  ],
};
