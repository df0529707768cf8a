import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_URL as BEDROCK_URL } from '../connector_types/bedrock/schema.js';
import { startBedrockSimulator } from '../connector_types/bedrock/simulator.js';
import { startElasticsearchSimulator } from '../connector_types/es_index/simulator.js';
import { DEFAULT_URL as VERTEX_URL, GOOGLE_TOKEN_URL } from '../connector_types/gemini/schema.js';
import { startGeminiSimulator } from '../connector_types/gemini/simulator.js';
import { OPENAI_BASE_URL } from '../connector_types/openai/schema.js';
import { startGenAiSimulator } from '../connector_types/openai/simulator.js';
import { startPagerDutySimulator } from '../connector_types/pagerduty/simulator.js';
import { startSlackApiSimulator } from '../connector_types/slack_api/simulator.js';

/** The simulated services' credentials: printed for the user to type in, like the Slack bot token. */
const OPENAI_KEY = 'sk-plugboard-demo';
const AWS_ACCESS_KEY = 'AKIAPLUGBOARDDEMO000';
const AWS_SECRET = 'plugboard-demo-secret-access-key';
const GCP_PROJECT = 'plugboard-demo';
/** The simulated service account's key file, written in the data directory (its key is the simulator's own, made at start). */
export const GEMINI_KEY_FILE = 'demo-gemini-service-account.json';

export interface DemoServices {
  /** plugboard.serviceUrlOverrides entries that point the types at the simulators. */
  overrides: Record<string, string>;
  /** elasticsearch.hosts for `.inference` (and `.index`): the Elasticsearch simulator, when the configuration names no cluster. */
  elasticsearchHosts?: string[];
  /** One line per simulator, for the console. */
  description: string[];
  close(): Promise<void>;
}

/**
 * `plugboard serve --demo`: the simulators of the services whose address is fixed run in the
 * server's process on loopback ports, and those connector types are pointed at them, so that
 * they can be tried without accounts: Slack's Web API, PagerDuty's Events API, and the
 * generative-AI services at their well-known addresses (OpenAI's api.openai.com, Bedrock's
 * us-east-1 runtime, Google's token endpoint and Vertex AI's us-central1), which the forms start
 * from. Elasticsearch (`.inference`) has no fixed address: its simulator stands in only when
 * elasticsearch.hosts is left at its default. Only this flag turns it on; an override set in
 * the configuration wins over the demo's.
 */
export async function startDemoServices({ dataDir, elasticsearchConfigured }: { dataDir: string; elasticsearchConfigured: boolean }): Promise<DemoServices> {
  const [slack, pagerduty, openai, bedrock, gemini, elasticsearch] = await Promise.all([
    startSlackApiSimulator(),
    startPagerDutySimulator(),
    startGenAiSimulator({ apiKey: OPENAI_KEY }),
    startBedrockSimulator({ accessKey: AWS_ACCESS_KEY, secret: AWS_SECRET }),
    startGeminiSimulator({ projectId: GCP_PROJECT }),
    elasticsearchConfigured ? undefined : startElasticsearchSimulator(),
  ]);
  const keyFile = path.join(dataDir, GEMINI_KEY_FILE);
  // Google's token endpoint is named, as in a key file Google gives; the override sends the grant to the simulator.
  writeFileSync(keyFile, gemini.credentials({ token_uri: GOOGLE_TOKEN_URL }), { mode: 0o600 });
  return {
    overrides: { '.slack_api': slack.url, '.pagerduty': `${pagerduty.url}/v2/enqueue`, '.gen-ai': openai.url, '.bedrock': bedrock.url, '.gemini': gemini.url },
    ...(elasticsearch ? { elasticsearchHosts: [elasticsearch.url] } : {}),
    description: [
      `.slack_api → simulated Slack Web API at ${slack.url} (bot token ${slack.token}; channels ${slack.channels.map((c) => `#${c.name} ${c.id}`).join(', ')})`,
      `.pagerduty → simulated PagerDuty Events API at ${pagerduty.url}/v2/enqueue (any 32-character alphanumeric routing key)`,
      `.gen-ai → simulated OpenAI at ${openai.url} for URLs at ${OPENAI_BASE_URL} (API key ${OPENAI_KEY}; models gpt-4.1, gpt-4o)`,
      `.bedrock → simulated Bedrock runtime at ${bedrock.url} for URLs at ${BEDROCK_URL} (access key ${AWS_ACCESS_KEY}, secret ${AWS_SECRET})`,
      `.gemini → simulated Google token endpoint and Vertex AI at ${gemini.url} for URLs at ${VERTEX_URL} (project ${GCP_PROJECT}; credentials JSON in ${keyFile})`,
      ...(elasticsearch ? [`.inference, .index → simulated Elasticsearch at ${elasticsearch.url} (elasticsearch.hosts is not set)`] : []),
    ],
    close: async () => {
      await Promise.all([slack.close(), pagerduty.close(), openai.close(), bedrock.close(), gemini.close(), elasticsearch?.close()]);
    },
  };
}
