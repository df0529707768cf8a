import {
  EuiButton,
  EuiCallOut,
  EuiCodeBlock,
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
import { useState } from 'react';
import { executeConnector, renderParams, testUnsavedConnector } from '../../api/endpoints.js';
import type { Connector, ConnectorTypeForm, JsonSchema } from '../../api/types.js';
import { useSpace } from '../../app/space.js';
import { SchemaForm } from '../../forms/SchemaForm.js';
import { initialValue } from '../../forms/schema.js';
import { useSchemaForm, type SchemaFormState } from '../../forms/use_schema_form.js';
import type { ConnectorFormState } from './ConnectorFields.js';
import { TestResult, useTestRun, type TestRun } from './TestResult.js';

// A type the catalog does not describe still gets a params editor: free JSON.
const FREE_PARAMS: JsonSchema = { type: 'object', additionalProperties: {} };

const NO_PARAMS = 'This connector type does not need any parameters.';

/** The params a test sends: the type's test params, else its defaults. */
export function useParamsForm(typeForm: ConnectorTypeForm | undefined): SchemaFormState {
  const schema = typeForm?.params_schema ?? FREE_PARAMS;
  return useSchemaForm('params', schema, () => structuredClone(typeForm?.test_params ?? initialValue(schema)));
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
  const [run, start] = useTestRun();
  const running = run.status === 'running';

  const onRun = () => {
    if (!params.isValid) return params.reveal();
    void start(() => executeConnector(spaceId, connector.id, params.submitted));
  };

  return (
    <>
      <EuiSteps
        titleSize="xs"
        headingElement="h3"
        steps={[
          {
            title: 'Create an action',
            children: <SchemaForm section="params" form={params} emptyText={NO_PARAMS} />,
          },
          {
            title: 'Run',
            children: (
              <>
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
  const onRun = () => {
    // The name is not needed to run; the settings and params are.
    if (!form.config.isValid || !form.secrets.isValid || !params.isValid) {
      form.config.reveal();
      form.secrets.reveal();
      params.reveal();
      return;
    }
    const input = form.input();
    void start(() => testUnsavedConnector(spaceId, form.typeForm.id, { ...input, name: input.name || 'Unsaved connector', params: params.submitted }));
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
      <SchemaForm section="params" form={params} emptyText={NO_PARAMS} />
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
