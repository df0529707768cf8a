import {
  EuiButton,
  EuiCallOut,
  EuiCodeBlock,
  EuiDescriptionList,
  EuiFormRow,
  EuiHorizontalRule,
  EuiSpacer,
  EuiSteps,
  EuiText,
  EuiTextArea,
  EuiTitle,
  useEuiTheme,
  useGeneratedHtmlId,
} from '@elastic/eui';
import { useCallback, useMemo, useState } from 'react';
import { executeConnector, previewRun, renderParams, streamConnector, streamUnsavedConnector, testUnsavedConnector } from '../../api/endpoints.js';
import type { Connector, ConnectorTypeForm, JsonSchema } from '../../api/types.js';
import { useSpace } from '../../app/space.js';
import { SchemaForm } from '../../forms/SchemaForm.js';
import { humanise, initialValue } from '../../forms/schema.js';
import { useAsync } from '../../lib/use_async.js';
import { useSchemaForm, type SchemaFormState } from '../../forms/use_schema_form.js';
import type { ConnectorFormState } from './ConnectorFields.js';
import { TestResult, useTestRun, type TestRun } from './TestResult.js';
import { ServiceChoicesStatus, useServiceChoices } from './service_choices.js';
import { customizationOf } from './type_ui.js';
import { PromptTestPanel } from './PromptTest.js';

// A type the catalog does not describe still gets a params editor: free JSON.
const FREE_PARAMS: JsonSchema = { type: 'object', additionalProperties: {} };

const NO_PARAMS = 'This connector type does not need any parameters.';

/**
 * The params the Test tab draws: the type's schema, or for a type whose params leave the
 * sub-action free (Opsgenie, TheHive…), one choice per sub-action it lists, with its own fields.
 */
function testParamsSchema(typeForm: ConnectorTypeForm | undefined): JsonSchema {
  if (!typeForm) return FREE_PARAMS;
  const subActions = typeForm.sub_actions ?? [];
  if (subActions.length < 2) return typeForm.params_schema;
  const shared = (typeForm.params_schema.properties ?? {}) as Record<string, JsonSchema>;
  return {
    type: 'object',
    oneOf: subActions.map(({ name, params_schema }) => ({
      type: 'object',
      properties: {
        subAction: { ...shared.subAction, type: 'string', const: name },
        // A sub-action without params sends none.
        ...(params_schema ? { subActionParams: { ...params_schema, label: shared.subActionParams?.label } } : {}),
      },
      required: params_schema ? ['subAction', 'subActionParams'] : ['subAction'],
      additionalProperties: false,
    })),
  };
}

/** The params the Test tab neither draws nor sends: the type's hidden ones, and the fields of a sub-action beyond those it shows (shownInTest). */
function hiddenInTestOf(typeForm: ConnectorTypeForm | undefined): ((params: Record<string, unknown>) => string[]) | undefined {
  const { hiddenInTest = [], shownInTest } = customizationOf(typeForm?.id ?? '');
  if (!shownInTest) return hiddenInTest.length > 0 ? () => hiddenInTest : undefined;
  return (params) => {
    const shown = typeof params.subAction === 'string' ? shownInTest[params.subAction] : undefined;
    if (!shown) return hiddenInTest;
    const fields = Object.keys(typeForm?.sub_actions?.find((s) => s.name === params.subAction)?.params_schema?.properties ?? {});
    return [...hiddenInTest, ...fields.filter((name) => !shown.includes(name)).map((name) => `subActionParams.${name}`)];
  };
}

/** The params a test sends: the type's test params, else its defaults; what the user must choose (recipients) starts empty. */
export function useParamsForm(typeForm: ConnectorTypeForm | undefined): SchemaFormState {
  const schema = useMemo(() => testParamsSchema(typeForm), [typeForm]);
  const custom = customizationOf(typeForm?.id ?? '');
  const bySubAction = typeForm?.test_sub_action_params;
  const hidden = useMemo(() => hiddenInTestOf(typeForm), [typeForm]);
  // Another sub-action chosen: its own test params, not what the last one left.
  const normalise = useCallback(
    (next: Record<string, unknown>, previous?: Record<string, unknown>) => {
      const start = typeof next.subAction === 'string' ? bySubAction?.[next.subAction] : undefined;
      if (!previous || next.subAction === previous.subAction || !start) return next;
      return { ...next, subActionParams: structuredClone(start) };
    },
    [bySubAction],
  );
  return useSchemaForm(
    'params',
    schema,
    () => {
      const start = structuredClone(typeForm?.test_params ?? initialValue(schema));
      for (const name of custom.chosenInTest ?? []) delete start[name];
      return start;
    },
    { fixed: custom.fixedInTest, hidden, normalise },
  );
}

type PreviewTarget = { id: string } | { typeId: string; config: Record<string, unknown> };

const previewLabel = (key: string) => (key === 'replyTo' ? 'Reply to' : key === 'text' ? 'Text' : key === 'html' ? 'HTML' : humanise(key));
const previewValue = (value: unknown) => (Array.isArray(value) ? value.join(', ') || '—' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * For types whose runs send other than their params (an email test sends a fixed text): what
 * the server says the run will send, before the user runs it.
 */
function RunPreview({ typeForm, target, params, ready = true }: { typeForm?: ConnectorTypeForm; target: PreviewTarget; params: SchemaFormState; ready?: boolean }) {
  const { spaceId } = useSpace();
  const titleId = useGeneratedHtmlId({ prefix: 'runPreviewTitle' });
  const wanted = !!typeForm?.run_preview && params.isValid && ready;
  const key = JSON.stringify([target, params.submitted]);
  const preview = useAsync(() => (wanted ? previewRun(spaceId, target, params.submitted) : Promise.resolve(undefined)), [spaceId, key, wanted]);
  if (!typeForm?.run_preview) return null;
  const shown = preview.data?.preview;
  const entries = shown ? Object.entries(shown) : [];
  const long = (v: unknown) => typeof v === 'string' && (v.includes('\n') || v.length > 80);
  return (
    <section aria-labelledby={titleId} data-test-subj="runPreview">
      <EuiTitle size="xxs">
        <h4 id={titleId}>What the test will send</h4>
      </EuiTitle>
      <EuiText size="xs" color="subdued">
        <p>Worked out by the server from the params above and the saved settings. A test started from here or the API may send other than its params (an email test sends a fixed subject and message); rules send their own.</p>
      </EuiText>
      <EuiSpacer size="s" />
      {(preview.error || preview.data?.refused) && (
        <EuiCallOut size="s" color="warning" iconType="warning" title="The test would be refused" data-test-subj="runPreviewRefused">
          <p style={{ overflowWrap: 'anywhere' }}>{preview.data?.refused ?? preview.error?.message}</p>
        </EuiCallOut>
      )}
      {!ready && (
        <EuiText size="s" color="subdued">
          <p>Complete the settings above to see it.</p>
        </EuiText>
      )}
      {!preview.error && entries.length > 0 && (
        <>
          <EuiDescriptionList
            compressed
            type="column"
            listItems={entries.filter(([, v]) => !long(v)).map(([k, v]) => ({ title: previewLabel(k), description: <span data-test-subj={`runPreview-${k}`}>{previewValue(v)}</span> }))}
          />
          {entries
            .filter(([, v]) => long(v))
            .map(([k, v]) => (
              <div key={k}>
                <EuiSpacer size="s" />
                <EuiText size="xs">
                  <strong>{previewLabel(k)}</strong>
                </EuiText>
                <EuiCodeBlock fontSize="s" paddingSize="s" overflowHeight={200} aria-label={previewLabel(k)} data-test-subj={`runPreview-${k}`}>
                  {String(v)}
                </EuiCodeBlock>
              </div>
            ))}
        </>
      )}
      <EuiSpacer size="s" />
    </section>
  );
}

const resultStatus = (run: TestRun) =>
  run.status === 'running'
    ? ('loading' as const)
    : run.status === 'done' && run.result.status === 'ok'
      ? ('complete' as const)
      : run.status === 'idle'
        ? ('incomplete' as const)
        : ('danger' as const);

/** The edit flyout's Test tab: params, Run (saved settings only), result, and a template preview. */
export function TestPanel({ connector, typeForm, unsavedChanges }: { connector: Connector; typeForm?: ConnectorTypeForm; unsavedChanges: boolean }) {
  const { spaceId } = useSpace();
  const params = useParamsForm(typeForm);
  const choices = useServiceChoices(spaceId, connector.id, customizationOf(typeForm?.id ?? '').serviceChoices, params.value);
  const [run, start] = useTestRun();
  const running = run.status === 'running';
  const promptTest = customizationOf(typeForm?.id ?? '').promptTest;

  const onRun = () => {
    if (!params.isValid) return params.reveal();
    void start(() => executeConnector(spaceId, connector.id, params.submitted));
  };

  return (
    <>
      {promptTest && (
        <>
          <PromptTestPanel
            test={promptTest}
            send={(prompt, onEvent, signal) => streamConnector(spaceId, connector.id, prompt, onEvent, signal)}
            disabled={unsavedChanges}
            description="Sends a prompt to the saved connector and shows the answer as it streams in, then the tokens it used."
          />
          <EuiHorizontalRule margin="m" />
        </>
      )}
      <EuiSteps
        titleSize="xs"
        headingElement="h3"
        steps={[
          {
            title: 'Create an action',
            children: (
              <>
                <ServiceChoicesStatus state={choices} />
                <SchemaForm section="params" form={params} overrides={choices.overrides} emptyText={NO_PARAMS} />
              </>
            ),
          },
          {
            title: 'Run',
            children: (
              <>
                <RunPreview typeForm={typeForm} target={{ id: connector.id }} params={params} />
                {unsavedChanges && (
                  <>
                    <EuiCallOut size="s" color="warning" iconType="info" title="Save your changes before you run the test." data-test-subj="testUnsavedChangesNote">
                      <p>The test runs the connector as it is saved.</p>
                    </EuiCallOut>
                    <EuiSpacer size="s" />
                  </>
                )}
                <EuiButton
                  iconType="play"
                  onClick={onRun}
                  isLoading={running}
                  isDisabled={unsavedChanges || running || (params.revealed && !params.isValid)}
                  data-test-subj="runTestButton"
                >
                  Run
                </EuiButton>
              </>
            ),
          },
          { title: 'Results', status: resultStatus(run), children: <TestResult run={run} /> },
        ]}
      />
      <EuiHorizontalRule margin="m" />
      <RenderPreview connectorId={connector.id} params={params} />
    </>
  );
}

const DEFAULT_VARIABLES = JSON.stringify({ context: {}, alert: {}, rule: { name: 'Test rule' } });

/** Beyond Kibana: the params with their {{templates}} filled from sample variables, nothing sent. */
function RenderPreview({ connectorId, params }: { connectorId: string; params: SchemaFormState }) {
  const { spaceId } = useSpace();
  const { euiTheme } = useEuiTheme();
  const titleId = useGeneratedHtmlId({ prefix: 'renderPreviewTitle' });
  const [variables, setVariables] = useState(DEFAULT_VARIABLES);
  const [state, setState] = useState<{ busy: boolean; rendered?: unknown; error?: string }>({ busy: false });
  let parsed: unknown;
  let variablesError: string | undefined;
  try {
    parsed = JSON.parse(variables);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) variablesError = 'The variables must be a JSON object.';
  } catch (err) {
    variablesError = `Invalid JSON: ${(err as Error).message}`;
  }

  const preview = async () => {
    if (variablesError) return;
    setState({ busy: true });
    try {
      const answer = await renderParams(spaceId, connectorId, params.submitted, parsed as Record<string, unknown>);
      setState({ busy: false, rendered: answer.params });
    } catch (err) {
      setState({ busy: false, error: (err as Error).message });
    }
  };

  return (
    <section aria-labelledby={titleId}>
      <EuiTitle size="xs">
        <h3 id={titleId}>Preview</h3>
      </EuiTitle>
      <EuiText size="s" color="subdued">
        <p>
          See the params above with their templates (<code>{'{{rule.name}}'}</code>…) filled in from sample variables. Nothing is sent.
        </p>
      </EuiText>
      <EuiSpacer size="s" />
      <EuiFormRow fullWidth label="Variables" helpText="A JSON object: context, alert, rule…" isInvalid={!!variablesError} error={variablesError}>
        <EuiTextArea
          fullWidth
          rows={3}
          resize="vertical"
          value={variables}
          isInvalid={!!variablesError}
          style={{ fontFamily: euiTheme.font.familyCode, fontSize: euiTheme.size.m }}
          onChange={(e) => setVariables(e.target.value)}
          data-test-subj="renderVariables"
        />
      </EuiFormRow>
      <EuiButton size="s" iconType="eye" onClick={preview} isLoading={state.busy} isDisabled={!!variablesError} data-test-subj="previewRenderButton">
        Preview
      </EuiButton>
      <EuiSpacer size="s" />
      <div aria-live="polite">
        {state.error && (
          <EuiCallOut color="danger" iconType="warning" title="The params could not be rendered" data-test-subj="renderPreviewError">
            <p style={{ overflowWrap: 'anywhere' }}>{state.error}</p>
          </EuiCallOut>
        )}
        {state.rendered !== undefined && (
          <EuiCodeBlock language="json" fontSize="s" paddingSize="m" isCopyable overflowHeight={320} aria-label="Rendered params" data-test-subj="renderPreview">
            {JSON.stringify(state.rendered, null, 2)}
          </EuiCodeBlock>
        )}
      </div>
    </section>
  );
}

/** The create flyout's "Test before saving": the same params and result, against the unsaved settings. */
export function UnsavedTest({ form }: { form: ConnectorFormState }) {
  const { spaceId } = useSpace();
  const params = useParamsForm(form.typeForm);
  const [run, start] = useTestRun();
  const running = run.status === 'running';
  const titleId = useGeneratedHtmlId({ prefix: 'unsavedTestTitle' });
  const promptTest = customizationOf(form.typeForm.id).promptTest;
  // The name is not needed to run; the settings are.
  const settingsReady = () => {
    if (form.config.isValid && form.secrets.isValid) return true;
    form.config.reveal();
    form.secrets.reveal();
    return false;
  };
  const unsaved = (runParams: Record<string, unknown>) => {
    const input = form.input();
    return { ...input, name: input.name || 'Unsaved connector', params: runParams };
  };
  const onRun = () => {
    if (!settingsReady() || !params.isValid) return params.reveal();
    void start(() => testUnsavedConnector(spaceId, form.typeForm.id, unsaved(params.submitted)));
  };
  return (
    <section aria-labelledby={titleId}>
      <EuiTitle size="xs">
        <h3 id={titleId}>Test before saving</h3>
      </EuiTitle>
      <EuiText size="s" color="subdued">
        <p>Runs the connector with the settings above, without saving it.</p>
      </EuiText>
      <EuiSpacer size="s" />
      {promptTest && (
        <>
          <PromptTestPanel
            test={promptTest}
            send={(prompt, onEvent, signal) => streamUnsavedConnector(spaceId, form.typeForm.id, unsaved(prompt), onEvent, signal)}
            ready={settingsReady}
            disabled={false}
            description="Sends a prompt with the settings above, without saving the connector, and shows the answer as it streams in, then the tokens it used."
            heading="h4"
          />
          <EuiHorizontalRule margin="m" />
        </>
      )}
      <SchemaForm section="params" form={params} emptyText={NO_PARAMS} />
      <RunPreview typeForm={form.typeForm} target={{ typeId: form.typeForm.id, config: form.config.submitted }} params={params} ready={form.config.isValid} />
      <EuiButton
        size="s"
        iconType="play"
        onClick={onRun}
        isLoading={running}
        isDisabled={running || (params.revealed && !(params.isValid && form.config.isValid && form.secrets.isValid))}
        data-test-subj="runUnsavedTestButton"
      >
        Run
      </EuiButton>
      <EuiSpacer size="m" />
      <TestResult run={run} />
    </section>
  );
}
