import { defineConnectorType } from '../../actions/types.js';
import { renderTemplate, renderTemplatesDeep } from '../../actions/templating/renderer.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema, TEST_MESSAGE, type EmailParams } from './schema.js';
import { executeEmail, previewEmail } from './service.js';
import { missingRecipients, validateEmailConfig, validateEmailConnector, validateEmailParams } from './validation.js';

export const emailConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'messaging',
  summary: 'Send email from your server.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'uptime', 'siem', 'workflows', 'agentBuilder'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: {
    config: validateEmailConfig,
    params: validateEmailParams,
    connector: validateEmailConnector,
    // As Kibana's newest version: a request to run without any recipient is a 400.
    requestedRun: missingRecipients,
  },
  // The example of the docs; the UI's Test tab leaves the recipients to the user. Runs over
  // HTTP send this subject and message whatever is given.
  testParams: {
    to: ['oncall@example.com'],
    cc: [],
    bcc: [],
    subject: TEST_MESSAGE,
    message: TEST_MESSAGE,
    messageHTML: null,
    kibanaFooterLink: { path: '/' },
  },
  // The message is Markdown (values escaped as Markdown), the HTML body HTML; the rest is plain text.
  renderParameterTemplates(logger, params, variables): EmailParams {
    return {
      ...renderTemplatesDeep(logger, params, variables),
      message: renderTemplate(logger, params.message, variables, 'markdown'),
      messageHTML: renderTemplate(logger, params.messageHTML, variables, 'html'),
    };
  },
  executor: executeEmail,
  previewRun: previewEmail,
});
