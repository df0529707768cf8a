import type { Logger } from 'pino';
import type { InMemoryConnector } from '../actions/in_memory_connectors.js';
import type { ConnectorTypeRegistry } from '../actions/registry.js';
import type { ConnectorServices, ValidatorContext } from '../actions/types.js';
import { PlugboardError } from '../common/errors.js';
import type { SecretsCipher } from '../crypto/secrets_cipher.js';
import type { ActionsAuthorizer } from '../security/authorization.js';
import type { SpacesService } from '../spaces/spaces_service.js';
import type { ConnectorsRepository } from '../storage/connectors_repository.js';

/** What export, import and copy-to-space work with: the same parts the actions client uses. */
export interface ConnectorTransferDeps {
  repository: ConnectorsRepository;
  registry: ConnectorTypeRegistry;
  cipher: SecretsCipher;
  inMemory: Map<string, InMemoryConnector>;
  authorizer: ActionsAuthorizer;
  spaces: SpacesService;
  validatorContext: ValidatorContext;
  /** What the types reach outside (an import asks whether what a connector stands for exists). */
  services: ConnectorServices;
  /** `savedObjects.maxImportExportSize`. */
  maxImportExportSize: number;
  logger: Logger;
}

/**
 * A refusal of a whole export or import: 400 with Kibana's message and, for some, the
 * `attributes` Kibana adds to the body (e.g. the objects that could not be fetched).
 */
export class SavedObjectsRequestError extends PlugboardError {
  override name = 'SavedObjectsRequestError';
  constructor(
    message: string,
    readonly attributes?: Record<string, unknown>,
  ) {
    super(400, message);
  }

  toBody(): Record<string, unknown> {
    return { statusCode: this.statusCode, error: this.reason, message: this.message, ...(this.attributes ? { attributes: this.attributes } : {}) };
  }
}
