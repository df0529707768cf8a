/**
 * The Kibana version whose connectors API Plugboard answers. Clients such as the Terraform
 * provider read it from `/api/status` to decide which features they may use, and it is the
 * `kibana.version` of event documents.
 */
export const KIBANA_COMPATIBILITY_VERSION = '9.2.0';
