import { randomUUID } from 'node:crypto';
import { badRequest, conflict, savedObjectNotFound } from '../common/errors.js';
import type { Scope } from '../actions/actions_client.js';
import type { CaseConfigurationRecord, CaseConfigurationsRepository } from '../storage/case_configurations_repository.js';
import { decodeVersion, encodeVersion, ensureOwners, readableOwners, type CasesServiceDeps } from './cases_service.js';
import { checkDuplicatedKeys, configurationPatchRequest, configurationRequest } from './configure_schemas.js';
import { decodeBody } from './schemas.js';

// Kibana's case configuration (reference §1.10; K/server/client/configure/client.ts): the
// settings of one owner's cases in a space. POST replaces the owner's configuration, PATCH
// changes it at the version read. Field mappings come with push (later): `mappings` is empty
// and `error` null until then.

const CONFIGURE_TYPE = 'cases-configure';

export interface ConfigureServiceDeps extends Pick<CasesServiceDeps, 'grantOf' | 'userOf' | 'now'> {
  repository: CaseConfigurationsRepository;
  /** The connector of that id in the space (stored or preconfigured), if any. */
  findConnector(spaceId: string, id: string): Promise<{ typeId: string } | undefined>;
}

export class ConfigureService {
  private readonly now: () => Date;

  constructor(private readonly deps: ConfigureServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The configurations of the owners the caller may read (and asked for). */
  async find(scope: Scope, owner?: string[]): Promise<Array<Record<string, unknown>>> {
    const owners = await readableOwners(this.deps.grantOf, scope, 'findConfigurations', owner);
    return (await this.deps.repository.list(scope.spaceId, owners)).map(present);
  }

  /** Kibana's create: the owner's configuration, whatever it was, is replaced by a new one (new id). */
  async create(scope: Scope, body: unknown): Promise<Record<string, unknown>> {
    const request = decodeBody(configurationRequest, body);
    checkDuplicatedKeys(request);
    await ensureOwners(this.deps.grantOf, scope, 'createConfiguration', [request.owner]);
    await this.checkConnector(scope, request.connector);
    const record: CaseConfigurationRecord = {
      id: randomUUID(),
      owner: request.owner,
      connector: request.connector,
      closure_type: request.closure_type,
      customFields: request.customFields ?? [],
      templates: request.templates ?? [],
      observableTypes: request.observableTypes ?? [],
      created_at: this.now().toISOString(),
      created_by: await this.deps.userOf(scope.principal),
      updated_at: null,
      updated_by: null,
      version: 1,
    };
    await this.deps.repository.replace(scope.spaceId, record);
    return present(record);
  }

  /** Kibana's update: the configuration's owner authorizes it; a version other than the stored one is 409. */
  async update(scope: Scope, id: string, body: unknown): Promise<Record<string, unknown>> {
    const { version, ...changes } = decodeBody(configurationPatchRequest, body);
    checkDuplicatedKeys(changes);
    // A caller that may read no owner's cases is refused before the lookup, as on the case routes:
    // it learns nothing of which configuration ids exist.
    await readableOwners(this.deps.grantOf, scope, 'updateConfiguration');
    const current = await this.deps.repository.get(scope.spaceId, id);
    if (!current) throw savedObjectNotFound(CONFIGURE_TYPE, id);
    await ensureOwners(this.deps.grantOf, scope, 'updateConfiguration', [current.owner]);
    const stale = () => conflict('This configuration has been updated. Please refresh before saving additional updates.');
    const expected = decodeVersion(version);
    if (expected !== current.version) throw stale();
    if (changes.connector) await this.checkConnector(scope, changes.connector);
    const written = await this.deps.repository.update(scope.spaceId, id, expected, {
      ...changes,
      updated_at: this.now().toISOString(),
      updated_by: await this.deps.userOf(scope.principal),
    });
    // Changed (or replaced by a POST) since it was read above.
    if (!written) throw stale();
    return present(written);
  }

  /**
   * The default connector must be one cases can push to: a connector of the space of the type
   * named, or none. Kibana does not check it here (a missing one shows later, as a mapping
   * error); refusing it at once keeps a configuration from naming what cannot be pushed to.
   */
  private async checkConnector(scope: Scope, connector: { id: string; type: string }): Promise<void> {
    if (connector.type === '.none') return;
    const found = await this.deps.findConnector(scope.spaceId, connector.id);
    if (!found) throw badRequest(`The connector ${connector.id} does not exist in this space.`);
    if (found.typeId !== connector.type) throw badRequest(`The connector ${connector.id} is of type ${found.typeId}, not ${connector.type}: cases can push only to ticketing connectors of the type named.`);
  }
}

/** A configuration as Kibana answers it. */
function present(c: CaseConfigurationRecord): Record<string, unknown> {
  const { version, ...fields } = c;
  return { ...fields, mappings: [], error: null, version: encodeVersion(version) };
}
