import { createHash, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { ConfigError } from '../config/load.js';
import type { Principal } from '../security/principal.js';
import { readSecretFile } from './secret_files.js';

// Ingest tokens (`plugboard.ingest.tokens`): for senders that have no user of their own, a
// bearer token per space, as Prometheus sends it with `authorization: {credentials: …}`. A token
// opens the senders' routes of its own space and nothing else. Tokens are secrets: they are
// compared by their SHA-256 digests in constant time, against every configured token (no
// early exit), and never appear in messages or logs; errors name the configuration key.

export interface IngestTokenSetting {
  space: string;
  token?: string;
  tokenFile?: string;
}

interface Entry {
  space: string;
  digest: Buffer;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class IngestTokens {
  private constructor(private readonly entries: Entry[]) {}

  /** Reads the configured tokens (files relative to `baseDir`); a problem stops start-up, naming the key. */
  static fromConfig(settings: readonly IngestTokenSetting[], baseDir: string): IngestTokens {
    const entries: Entry[] = [];
    settings.forEach((setting, i) => {
      const key = `plugboard.ingest.tokens[${i}]`;
      let token = setting.token;
      if (setting.tokenFile !== undefined) {
        const file = path.resolve(baseDir, setting.tokenFile);
        token = readSecretFile(`${key}.tokenFile`, setting.tokenFile, baseDir);
        if (token.length < 32) throw new ConfigError(`Invalid configuration: ${key}.tokenFile: the token in ${file} must be at least 32 characters`);
      }
      const tokenDigest = digest(token!);
      const same = entries.findIndex((e) => e.digest.equals(tokenDigest));
      if (same >= 0) throw new ConfigError(`Invalid configuration: ${key}: the same token as plugboard.ingest.tokens[${same}]; each token must be its own`);
      entries.push({ space: setting.space, digest: tokenDigest });
    });
    return new IngestTokens(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal of `Bearer <token>` in `spaceId`; undefined for an unknown token or another space's. */
  authenticate(authorization: string, spaceId: string): Principal | undefined {
    const match = /^Bearer (.+)$/is.exec(authorization);
    if (!match) return undefined;
    const presented = digest(match[1]);
    let space: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) space = entry.space;
    }
    if (space !== spaceId) return undefined;
    return { username: `ingest-token:${space}`, roles: [], authenticationType: 'ingest_token', ingestSpace: space };
  }
}
