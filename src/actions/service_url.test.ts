import { describe, expect, it } from 'vitest';
import { atServiceUrl } from './service_url.js';

const OPENAI = 'https://api.openai.com';
const overriding = (overrides: Record<string, string>) => ({ serviceUrl: (typeId: string, defaultUrl: string) => overrides[typeId] ?? defaultUrl });

describe('atServiceUrl', () => {
  it("moves a URL at the service's well-known base to the type's override, path and query kept", () => {
    const utils = overriding({ '.gen-ai': 'http://127.0.0.1:4000/' });
    expect(atServiceUrl(utils, '.gen-ai', OPENAI, 'https://api.openai.com/v1/chat/completions')).toBe('http://127.0.0.1:4000/v1/chat/completions');
    expect(atServiceUrl(utils, '.gen-ai', OPENAI, 'https://API.openai.com?x=1')).toBe('http://127.0.0.1:4000?x=1');
    expect(atServiceUrl(utils, '.gen-ai', OPENAI, OPENAI)).toBe('http://127.0.0.1:4000');
  });

  it('calls any other address as configured, and every address without an override', () => {
    const utils = overriding({ '.gen-ai': 'http://127.0.0.1:4000' });
    expect(atServiceUrl(utils, '.gen-ai', OPENAI, 'https://llm.example.com/v1/chat/completions')).toBe('https://llm.example.com/v1/chat/completions');
    expect(atServiceUrl(utils, '.gen-ai', OPENAI, 'https://api.openai.com.example.org/v1')).toBe('https://api.openai.com.example.org/v1');
    expect(atServiceUrl(utils, '.bedrock', 'https://bedrock-runtime.us-east-1.amazonaws.com', 'https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke')).toBe(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke',
    );
  });
});
