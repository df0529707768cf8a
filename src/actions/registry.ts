import { FEATURE_IDS, type ConnectorTypeDefinition } from './types.js';
import { badRequest, forbidden } from '../common/errors.js';

export interface ConnectorTypeSummary {
  id: string;
  name: string;
  enabled: boolean;
  enabled_in_config: boolean;
  enabled_in_license: boolean;
  minimum_license_required: string;
  supported_feature_ids: string[];
  is_system_action_type: boolean;
  is_deprecated: boolean;
  allow_multiple_system_actions?: boolean;
  sub_feature?: 'endpointSecurity';
  source: 'stack';
}

const KNOWN_FEATURES = new Set<string>(FEATURE_IDS);

/** The registered connector types, and which of them `enabledActionTypes` lets run. */
export class ConnectorTypeRegistry {
  private readonly types = new Map<string, ConnectorTypeDefinition>();
  private readonly allEnabled: boolean;
  private readonly enabled: Set<string>;

  constructor(
    definitions: ConnectorTypeDefinition[],
    enabledActionTypes: string[] = ['*'],
  ) {
    this.allEnabled = enabledActionTypes.includes('*');
    this.enabled = new Set(enabledActionTypes);
    for (const def of definitions) this.register(def);
  }

  private register(def: ConnectorTypeDefinition): void {
    if (this.types.has(def.id)) throw new Error(`Action type "${def.id}" is already registered.`);
    if (def.supportedFeatureIds.length === 0) {
      throw new Error(`At least one "supportedFeatureId" value must be supplied for connector type "${def.id}".`);
    }
    const unknown = def.supportedFeatureIds.filter((f) => !KNOWN_FEATURES.has(f));
    if (unknown.length > 0) {
      throw new Error(`Invalid feature ids "${unknown.join(',')}" for connector type "${def.id}".`);
    }
    this.types.set(def.id, def);
  }

  has(id: string): boolean {
    return this.types.has(id);
  }

  /** The type, or a 400 with Kibana's message. */
  get(id: string): ConnectorTypeDefinition {
    const def = this.types.get(id);
    if (!def) throw badRequest(`Action type "${id}" is not registered.`);
    return def;
  }

  list(): ConnectorTypeDefinition[] {
    return [...this.types.values()];
  }

  isEnabledInConfig(id: string): boolean {
    return this.allEnabled || this.enabled.has(id);
  }

  /** 403 unless `xpack.actions.enabledActionTypes` allows the type. */
  ensureEnabled(id: string): void {
    if (!this.isEnabledInConfig(id)) {
      throw forbidden(`action type "${id}" is not enabled in the Kibana config xpack.actions.enabledActionTypes`);
    }
  }

  /**
   * Preconfigured and system connectors run even when their type is disabled in config. A
   * connector of a type that is not registered (imported from elsewhere) cannot run: a 400 with
   * Kibana's message, as Kibana's check answers.
   */
  isExecutable(id: string, opts: { isPreconfigured: boolean; isSystemAction: boolean }): boolean {
    this.get(id);
    return opts.isPreconfigured || opts.isSystemAction || this.isEnabledInConfig(id);
  }

  summarize(def: ConnectorTypeDefinition): ConnectorTypeSummary {
    const enabledInConfig = this.isEnabledInConfig(def.id);
    return {
      id: def.id,
      name: def.name,
      enabled: enabledInConfig,
      enabled_in_config: enabledInConfig,
      // Plugboard has no licence tiers: every type is licensed.
      enabled_in_license: true,
      minimum_license_required: def.minimumLicenseRequired,
      supported_feature_ids: [...def.supportedFeatureIds],
      is_system_action_type: Boolean(def.isSystemActionType),
      is_deprecated: Boolean(def.isDeprecated),
      ...(def.allowMultipleSystemActions !== undefined ? { allow_multiple_system_actions: def.allowMultipleSystemActions } : {}),
      // Kibana's endpoint-security types name the sub-feature whose privilege runs them.
      ...(def.supportedFeatureIds.includes('endpointSecurity') ? { sub_feature: 'endpointSecurity' as const } : {}),
      source: 'stack',
    };
  }
}
