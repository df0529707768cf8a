import { EuiCallOut, EuiFlexGroup, EuiFlexItem, EuiLoadingSpinner, EuiSpacer, EuiText } from '@elastic/eui';
import { useMemo } from 'react';
import { executeConnector } from '../../api/endpoints.js';
import type { FieldOverride } from '../../forms/SchemaForm.js';
import { useAsync } from '../../lib/use_async.js';
import type { RunSubAction, ServiceChoices } from './type_ui.js';

export interface ServiceChoicesState {
  /** Select options by params path, for the params form. */
  overrides: Record<string, FieldOverride>;
  loading: boolean;
  error?: Error;
}

const NO_CHOICES: Record<string, never> = {};

/**
 * The choices a saved connector's service lists for its params, loaded through its own
 * sub-actions (each a run in its logs, as in Kibana); again when what they depend on changes.
 */
export function useServiceChoices(spaceId: string, connectorId: string, choices: ServiceChoices | undefined, params: Record<string, unknown>): ServiceChoicesState {
  const dependsOn = choices ? choices.dependsOn(params) : '';
  const state = useAsync(async () => {
    if (!choices) return NO_CHOICES;
    const run: RunSubAction = async (subAction, subActionParams = {}) => {
      const result = await executeConnector(spaceId, connectorId, { subAction, subActionParams });
      if (result.status !== 'ok') throw new Error([result.message, result.service_message].filter(Boolean).join(': '));
      return result.data;
    };
    return choices.load(run, params);
    // The params matter only through what dependsOn says of them.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [spaceId, connectorId, choices, dependsOn]);
  const overrides = useMemo(
    () => Object.fromEntries(Object.entries(state.data ?? NO_CHOICES).map(([path, options]) => [path, { options }])),
    [state.data],
  );
  return { overrides, loading: !!choices && state.loading, error: state.error };
}

/** Says that choices are loading, or why they could not be (the fields then take typed values). */
export function ServiceChoicesStatus({ state }: { state: ServiceChoicesState }) {
  if (state.error) {
    return (
      <>
        <EuiCallOut size="s" color="warning" iconType="warning" title="The choices could not be loaded from the service" data-test-subj="serviceChoicesError">
          <p style={{ overflowWrap: 'anywhere' }}>{state.error.message} Type the values instead.</p>
        </EuiCallOut>
        <EuiSpacer size="s" />
      </>
    );
  }
  if (!state.loading) return null;
  return (
    <>
      <EuiFlexGroup gutterSize="s" alignItems="center" responsive={false} data-test-subj="serviceChoicesLoading">
        <EuiFlexItem grow={false}>
          <EuiLoadingSpinner size="s" />
        </EuiFlexItem>
        <EuiFlexItem>
          <EuiText size="xs" color="subdued">
            <p>Loading the choices from the service…</p>
          </EuiText>
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="s" />
    </>
  );
}
