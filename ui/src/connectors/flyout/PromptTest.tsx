import { EuiButton, EuiCallOut, EuiFlexGroup, EuiFlexItem, EuiFormRow, EuiLoadingSpinner, EuiPanel, EuiSpacer, EuiText, EuiTextArea, EuiTitle, useGeneratedHtmlId } from '@elastic/eui';
import { useEffect, useRef, useState } from 'react';
import { streamConnector } from '../../api/endpoints.js';
import type { TokenCounts } from '../../api/types.js';
import { useSpace } from '../../app/space.js';
import { MESSAGE_STYLE } from '../../components/ServerErrorCallOut.js';
import { formatCount } from '../../logs/log_query.js';
import type { PromptTest } from './type_ui.js';

type Usage = Omit<TokenCounts, 'executions'>;

interface Conversation {
  status: 'idle' | 'streaming' | 'done' | 'failed' | 'stopped';
  answer: string;
  usage?: Usage | null;
  error?: string;
}

const DEFAULT_PROMPT = 'Hello! In one sentence, who are you?';

/**
 * A generative-AI connector's Test tab: a prompt sent as a streamed run (`_execute` with
 * `Accept: text/event-stream`), the answer shown as its chunks arrive, then the tokens it used.
 */
export function PromptTestPanel({ connectorId, test, disabled }: { connectorId: string; test: PromptTest; disabled: boolean }) {
  const { spaceId } = useSpace();
  const titleId = useGeneratedHtmlId({ prefix: 'promptTestTitle' });
  const [prompt, setPrompt] = useState(DEFAULT_PROMPT);
  const [talk, setTalk] = useState<Conversation>({ status: 'idle', answer: '' });
  const controller = useRef<AbortController | undefined>(undefined);
  // Leaving the tab closes the stream (the provider's request is aborted with it).
  useEffect(() => () => controller.current?.abort(), []);
  const streaming = talk.status === 'streaming';

  const send = async () => {
    const abort = new AbortController();
    controller.current = abort;
    setTalk({ status: 'streaming', answer: '' });
    try {
      await streamConnector(
        spaceId,
        connectorId,
        test.params(prompt),
        ({ event, data }) => {
          if (abort.signal.aborted) return;
          const read = JSON.parse(data) as Record<string, unknown>;
          if (event === 'chunk') {
            const text = test.textOf(read);
            if (text) setTalk((t) => ({ ...t, answer: t.answer + text }));
          } else if (event === 'result') {
            const ok = read.status === 'ok';
            const error = [read.message, read.service_message].filter((m) => typeof m === 'string' && m).join(': ');
            setTalk((t) => ({ ...t, status: ok ? 'done' : 'failed', usage: read.usage as Usage | null, ...(ok ? {} : { error }) }));
          }
        },
        abort.signal,
      );
    } catch (err) {
      if (abort.signal.aborted) setTalk((t) => ({ ...t, status: 'stopped' }));
      else setTalk((t) => ({ ...t, status: 'failed', error: (err as Error).message }));
    }
  };

  return (
    <section aria-labelledby={titleId} data-test-subj="promptTest">
      <EuiTitle size="xs">
        <h3 id={titleId}>Prompt</h3>
      </EuiTitle>
      <EuiText size="s" color="subdued">
        <p>Sends a prompt to the saved connector and shows the answer as it streams in, then the tokens it used.</p>
      </EuiText>
      <EuiSpacer size="s" />
      <EuiFormRow fullWidth label="Prompt">
        <EuiTextArea fullWidth rows={3} resize="vertical" value={prompt} onChange={(e) => setPrompt(e.target.value)} data-test-subj="promptInput" />
      </EuiFormRow>
      <EuiFlexGroup gutterSize="s" responsive={false}>
        <EuiFlexItem grow={false}>
          <EuiButton size="s" iconType="play" onClick={send} isLoading={streaming} isDisabled={disabled || streaming || prompt.trim() === ''} data-test-subj="promptSendButton">
            Send
          </EuiButton>
        </EuiFlexItem>
        {streaming && (
          <EuiFlexItem grow={false}>
            <EuiButton size="s" color="text" iconType="stop" onClick={() => controller.current?.abort()} data-test-subj="promptStopButton">
              Stop
            </EuiButton>
          </EuiFlexItem>
        )}
      </EuiFlexGroup>
      <EuiSpacer size="s" />
      {talk.status !== 'idle' && (
        <EuiPanel hasBorder paddingSize="s" aria-live="polite" aria-busy={streaming} data-test-subj="promptAnswerPanel">
          <EuiText size="s">
            <p style={MESSAGE_STYLE} data-test-subj="promptAnswer">
              {talk.answer}
              {streaming && <EuiLoadingSpinner size="s" style={{ marginLeft: 4 }} aria-label="The answer is arriving" />}
            </p>
          </EuiText>
          {talk.usage && (
            <EuiText size="xs" color="subdued" data-test-subj="promptUsage">
              <p>
                Tokens: {formatCount(talk.usage.total_tokens)} ({formatCount(talk.usage.prompt_tokens)} prompt, {formatCount(talk.usage.completion_tokens)} completion)
              </p>
            </EuiText>
          )}
          {talk.status === 'stopped' && (
            <EuiText size="xs" color="subdued" data-test-subj="promptStopped">
              <p>Stopped: the rest of the answer was not asked for.</p>
            </EuiText>
          )}
        </EuiPanel>
      )}
      {talk.status === 'failed' && (
        <>
          <EuiSpacer size="s" />
          <EuiCallOut color="danger" iconType="warning" size="s" title="The prompt could not be answered" data-test-subj="promptError">
            <p style={MESSAGE_STYLE}>{talk.error}</p>
          </EuiCallOut>
        </>
      )}
    </section>
  );
}
