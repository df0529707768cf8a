import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { DEFAULT_ELASTICSEARCH_HOSTS } from '../config/schema.js';
import { createPlugboard } from '../plugboard.js';
import { startDemoServices } from './demo.js';

export async function serve({ config, baseDir }: LoadedConfig, opts: { demo?: boolean } = {}): Promise<void> {
  const demo = opts.demo ? await startDemo({ config, baseDir }) : undefined;
  const plugboard = await createPlugboard({ config, baseDir });
  const url = await plugboard.listen();
  if (demo) process.stdout.write(`Demo mode: not for production use.\n${demo.description.map((line) => `  ${line}\n`).join('')}`);
  process.stdout.write(`Plugboard listening on ${url}\n`);

  const shutdown = (signal: string) => {
    plugboard.logger.info(`${signal} received: draining and shutting down`);
    Promise.all([plugboard.close(), demo?.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        plugboard.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** The demo's simulators, and the settings that point connector types at them (the configuration's own win). */
async function startDemo({ config, baseDir }: LoadedConfig) {
  const dataDir = path.resolve(baseDir, config.path.data);
  mkdirSync(dataDir, { recursive: true });
  const elasticsearchConfigured = JSON.stringify(config.elasticsearch.hosts) !== JSON.stringify(DEFAULT_ELASTICSEARCH_HOSTS);
  const demo = await startDemoServices({ dataDir, elasticsearchConfigured });
  config.plugboard.serviceUrlOverrides = { ...demo.overrides, ...config.plugboard.serviceUrlOverrides };
  if (demo.elasticsearchHosts) config.elasticsearch.hosts = demo.elasticsearchHosts;
  return demo;
}
