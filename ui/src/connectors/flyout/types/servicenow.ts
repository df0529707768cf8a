import type { TypeCustomization } from '../type_ui.js';
import { serviceNowChoices } from './servicenow_choices.js';

// ServiceNow ITSM, SecOps and ITOM: the OAuth switch chooses between a user name and password
// and the JWT bearer grant (client, user identifier, key id; client secret and private key).

const OAUTH_CONFIG = ['clientId', 'userIdentifierValue', 'jwtKeyId'];
const OAUTH_SECRETS = ['clientSecret', 'privateKey', 'privateKeyPassword'];
const BASIC_SECRETS = ['username', 'password'];

const usesOAuth = (config: Record<string, unknown>) => config.isOAuth === true;

const connection: TypeCustomization = {
  hiddenConfig: (config) => (usesOAuth(config) ? [] : OAUTH_CONFIG),
  requiredConfig: (config) => (usesOAuth(config) ? OAUTH_CONFIG : []),
  hiddenSecrets: (config) => (usesOAuth(config) ? BASIC_SECRETS : OAUTH_SECRETS),
  requiredSecrets: (config) => (usesOAuth(config) ? ['clientSecret', 'privateKey'] : BASIC_SECRETS),
  configOverrides: { apiUrl: { placeholder: 'https://example.service-now.com' } },
  // A PEM key keeps its line breaks, which a one-line field would drop.
  secretOverrides: { privateKey: { multiline: true, placeholder: '-----BEGIN PRIVATE KEY-----' } },
};

/** As Kibana's form: a new connector goes through the Elastic app, not the Table API (the API's default). */
const ELASTIC_APP = { usesTableApi: false };

// The Test tab offers the choices of the fields Kibana's params forms offer them for.
export const serviceNowItsm: TypeCustomization = {
  ...connection,
  newConfig: ELASTIC_APP,
  serviceChoices: serviceNowChoices('pushToService', 'subActionParams.incident', ['urgency', 'severity', 'impact', 'category', 'subcategory']),
};
export const serviceNowSir: TypeCustomization = {
  ...connection,
  newConfig: ELASTIC_APP,
  serviceChoices: serviceNowChoices('pushToService', 'subActionParams.incident', ['category', 'subcategory', 'priority']),
};
export const serviceNowItom: TypeCustomization = { ...connection, serviceChoices: serviceNowChoices('addEvent', 'subActionParams', ['severity']) };
