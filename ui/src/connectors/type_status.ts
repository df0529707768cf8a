import type { ConnectorType } from '../api/types.js';

/** Why a connector type cannot be used (its card and its connectors are greyed out), if it cannot. */
export function typeDisabledReason(type: ConnectorType | undefined): string | undefined {
  if (!type || type.enabled) return undefined;
  if (!type.enabled_in_license) return `This connector type requires a ${type.minimum_license_required.charAt(0).toUpperCase()}${type.minimum_license_required.slice(1)} license.`;
  if (!type.enabled_in_config) return 'This connector type is disabled in the Plugboard configuration (xpack.actions.enabledActionTypes).';
  return 'This connector type is disabled.';
}
