import { EuiButton, EuiCallOut, EuiFlexGroup, EuiFlexItem, EuiFormRow, EuiLoadingSpinner, EuiPanel, EuiSpacer, EuiText, EuiTextArea, EuiTitle, useGeneratedHtmlId } from '@elastic/eui';
import { useEffect, useRef, useState } from 'react';
import type { ServerEvent } from '../../api/http.js';
import type { TokenCounts } from '../../api/types.js';
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

/** Sends a prompt's params as a streamed run, handing on each server-sent event; resolves when the answer ends. */
export type PromptSender = (params: Record<string, unknown>, onEvent: (event: ServerEvent) => void, signal: AbortSignal) => Promise<void>;

interface PromptTestProps {
  test: PromptTest;
  /** What runs the prompt: a saved connector's `_execute`, or the unsaved settings' `_test`. */
  send: PromptSender;
  /** Says, when Send is pressed, whether the prompt may go (a caller with a form to complete reveals its problems and says no). */
  ready?: () => boolean;
  disabled: boolean;
  /** The sentence under the title: what the prompt is sent to. */
  description: string;
  heading?: 'h3' | 'h4';
}

/**
 * A generative-AI connector's prompt test: a prompt sent as a streamed run (`Accept:
 * text/event-stream`), the answer shown as its chunks arrive, then the tokens it used. The same
 * panel serves a saved connector's Test tab and the create flyout's test before saving; only
 * the sender differs.
 */
export function PromptTestPanel({ test, send: sendPrompt, ready, disabled, description, heading: Heading = 'h3' }: PromptTestProps) {
  const titleId = useGeneratedHtmlId({ prefix: 'promptTestTitle' });
  const [prompt, setPrompt] = useState(DEFAULT_PROMPT);
  const [talk, setTalk] = useState<Conversation>({ status: 'idle', answer: '' });
  const controller = useRef<AbortController | undefined>(undefined);
  // Leaving the tab closes the stream (the provider's request is aborted with it).
  useEffect(() => () => controller.current?.abort(), []);
  const streaming = talk.status === 'streaming';

  const send = async () => {
    if (ready && !ready()) return;
    const abort = new AbortController();
    controller.current = abort;
    setTalk({ status: 'streaming', answer: '' });
    try {
      await sendPrompt(
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
        <Heading id={titleId}>Prompt</Heading>
      </EuiTitle>
      <EuiText size="s" color="subdued">
        <p>{description}</p>
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
