import type { Migration, MigrationProvider } from 'kysely';
import * as core from './001_core.js';

// One explicit, ordered list: both dialects run exactly these migrations.
const MIGRATIONS: Record<string, Migration> = {
  '001_core': core,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
