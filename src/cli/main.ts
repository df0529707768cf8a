import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, overridesFromEnv, parsePort } from '../config/load.js';
import { VERSION } from '../plugboard.js';
import { registerApplyCommand } from './apply.js';
import { rotateEncryptionKey } from './rotate.js';
import { serve } from './serve.js';
import { registerTransferCommands } from './transfer.js';

export interface CommonOptions {
  config?: string;
  dataDir?: string;
}

/** Config file from --config or PLUGBOARD_CONFIG; flags override environment variables. */
export function configFromCli(opts: CommonOptions & { port?: number; host?: string }) {
  return loadConfig({
    file: opts.config ?? process.env.PLUGBOARD_CONFIG,
    overrides: {
      ...overridesFromEnv(process.env),
      ...(opts.port !== undefined ? { 'server.port': opts.port } : {}),
      ...(opts.host !== undefined ? { 'server.host': opts.host } : {}),
      ...(opts.dataDir !== undefined ? { 'path.data': opts.dataDir } : {}),
    },
  });
}

const portOption = (value: string) => {
  try {
    return parsePort(value, '--port');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

const program = new Command('plugboard').description("A connectors service that speaks Kibana's connectors API").version(VERSION);

program
  .command('serve')
  .description('Run the server')
  .option('--port <port>', 'port to listen on (0 picks a free one)', portOption)
  .option('--host <host>', 'address to listen on')
  .option('--data-dir <dir>', 'where the embedded database and generated keys live')
  .option('--config <file>', 'YAML configuration file')
  .option('--demo', 'run simulators of Slack, PagerDuty, OpenAI, Bedrock, Gemini (and Elasticsearch when no cluster is set) in the process and point those connector types at them (not for production)')
  .action(async (opts) => serve(configFromCli(opts), { demo: opts.demo === true }));

program
  .command('encryption')
  .description('Manage the encryption of connector secrets')
  .command('rotate')
  .description(
    'Re-encrypt every connector secret with xpack.encryptedSavedObjects.encryptionKey; the old key must be listed in keyRotation.decryptionOnlyKeys',
  )
  .option('--data-dir <dir>', 'data directory')
  .option('--config <file>', 'YAML configuration file')
  .action(async (opts) => rotateEncryptionKey(configFromCli(opts)));

registerApplyCommand(program);
registerTransferCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`plugboard: ${(err as Error).message}\n`);
  process.exit(1);
}
