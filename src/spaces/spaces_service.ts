import { badRequest, conflict, savedObjectNotFound } from '../common/errors.js';
import type { SpaceRecord, SpacesRepository } from '../storage/spaces_repository.js';
import { isUniqueViolation } from '../storage/errors.js';

export const DEFAULT_SPACE_ID = 'default';

// Every request under /s/{space_id} checks that the space exists; remembering that for a
// few seconds saves a database round trip per request. A space deleted by another instance
// is noticed within this window, and writes into it fail on the foreign key regardless.
const KNOWN_SPACE_TTL_MS = 5_000;

/** Kibana's spaces: `default` always exists and cannot be deleted; deleting a space deletes its connectors. */
export class SpacesService {
  private readonly known = new Map<string, number>();

  constructor(private readonly repository: SpacesRepository) {}

  list(): Promise<SpaceRecord[]> {
    return this.repository.list();
  }

  async get(id: string): Promise<SpaceRecord> {
    const space = await this.repository.get(id);
    if (!space) throw savedObjectNotFound('space', id);
    return space;
  }

  /** Answers 404 for a `/s/{space_id}` prefix that names no space. */
  async ensureExists(id: string): Promise<void> {
    if (id === DEFAULT_SPACE_ID || (this.known.get(id) ?? 0) > Date.now()) return;
    await this.get(id);
    this.known.set(id, Date.now() + KNOWN_SPACE_TTL_MS);
  }

  async create(space: SpaceRecord): Promise<SpaceRecord> {
    try {
      return await this.repository.insert(space);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A space with the identifier ${space.id} already exists.`);
      throw err;
    }
  }

  async update(id: string, space: SpaceRecord): Promise<SpaceRecord> {
    if (space.id !== id) throw badRequest(`Space ID in the body ("${space.id}") does not match the URL ("${id}"); a space's ID cannot be changed.`);
    const updated = await this.repository.update(space);
    if (!updated) throw savedObjectNotFound('space', id);
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (id === DEFAULT_SPACE_ID) throw badRequest('This Space cannot be deleted because it is reserved.');
    this.known.delete(id);
    if (!(await this.repository.delete(id))) throw savedObjectNotFound('space', id);
  }
}
