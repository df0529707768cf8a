import type { LoadedConfig } from '../config/load.js';
import { createPlugboard } from '../plugboard.js';

export async function serve({ config, baseDir }: LoadedConfig): Promise<void> {
  const plugboard = await createPlugboard({ config, baseDir });
  const url = await plugboard.listen();
  process.stdout.write(`Plugboard listening on ${url}\n`);

  const shutdown = (signal: string) => {
    plugboard.logger.info(`${signal} received: draining and shutting down`);
    plugboard.close().then(
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
