import type { LoadedConfig } from '../config/load.js';
import { createPlugboard } from '../plugboard.js';
import { startDemoServices } from './demo.js';

export async function serve({ config, baseDir }: LoadedConfig, opts: { demo?: boolean } = {}): Promise<void> {
  const demo = opts.demo ? await startDemoServices() : undefined;
  if (demo) config.plugboard.serviceUrlOverrides = { ...demo.overrides, ...config.plugboard.serviceUrlOverrides };
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
