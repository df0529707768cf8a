import {
  EuiButton,
  EuiButtonEmpty,
  EuiCallOut,
  EuiFilePicker,
  EuiFlexGroup,
  EuiFlexItem,
  EuiFlyout,
  EuiFlyoutBody,
  EuiFlyoutFooter,
  EuiFlyoutHeader,
  EuiFormRow,
  EuiLink,
  EuiRadioGroup,
  EuiSpacer,
  EuiText,
  EuiTitle,
  useGeneratedHtmlId,
} from '@elastic/eui';
import { useState, type MouseEvent } from 'react';
import { importConnectors, listConnectors } from '../../api/endpoints.js';
import type { Connector, ImportMode, ImportResponse, ImportSuccess } from '../../api/types.js';
import { useSpace } from '../../app/space.js';
import type { EditTab } from '../flyouts.js';
import { connectorsNeedingSecrets, describeImportError, objectTitle, secretsWarningOf } from './transfer.js';
import { ServerErrorCallOut } from '../../components/ServerErrorCallOut.js';

export interface ImportConnectorsFlyoutProps {
  onClose(): void;
  /** After an import that wrote connectors, so the list reloads. */
  onImported(): void;
  /** The address of a connector's edit flyout (the Fix links). */
  connectorHref(id: string, tab?: EditTab): string;
  /** Opens a connector in the app; this flyout closes first. */
  openConnector(id: string, tab?: EditTab): void;
}

const MODES: Array<{ mode: ImportMode; label: string; help: string; testSubj: string }> = [
  {
    mode: 'createNewCopies',
    label: 'Create new objects with random IDs',
    help: 'Every connector of the file is added with a new ID; nothing in this space changes.',
    testSubj: 'importModeCreateNewCopies',
  },
  {
    mode: 'overwrite',
    label: 'Overwrite existing connectors',
    help: 'A connector with the same ID is replaced by the one in the file, and then needs its secrets entered again.',
    testSubj: 'importModeOverwrite',
  },
  {
    mode: 'keep',
    label: 'Keep existing connectors (report conflicts)',
    help: 'A connector with the same ID is left as it is and reported as a conflict; the others are imported.',
    testSubj: 'importModeKeep',
  },
];

const connectorsNoun = (n: number) => `${n} ${n === 1 ? 'connector' : 'connectors'}`;
/** A click that the browser should handle itself (new tab, new window). */
const isModifiedClick = (e: MouseEvent) => e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || e.button !== 0;

interface Outcome {
  response: ImportResponse;
  /** The imported connectors still missing their secrets, from the list read after the import. */
  needSecrets: Connector[];
}

/**
 * Kibana's saved objects import, for connectors: an NDJSON file, what to do with connectors
 * that already exist, then what was imported, what was not and which connectors need their
 * secrets again (with a Fix link to each).
 */
export function ImportConnectorsFlyout({ onClose, onImported, connectorHref, openConnector }: ImportConnectorsFlyoutProps) {
  const { spaceId } = useSpace();
  const titleId = useGeneratedHtmlId({ prefix: 'importConnectorsTitle' });
  const radioPrefix = useGeneratedHtmlId({ prefix: 'importMode' });
  const [file, setFile] = useState<File>();
  const [mode, setMode] = useState<ImportMode>('keep');
  const [importing, setImporting] = useState(false);
  const [error, setError] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();

  const submit = async () => {
    if (!file) return;
    setImporting(true);
    setError(undefined);
    try {
      const response = await importConnectors(spaceId, file, mode);
      if (response.successCount > 0) onImported();
      // The import's answer has no names of connectors missing secrets; the list says which they are.
      const needSecrets = secretsWarningOf(response)
        ? connectorsNeedingSecrets(response, await listConnectors(spaceId).catch(() => []))
        : [];
      setOutcome({ response, needSecrets });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setImporting(false);
    }
  };

  const startAgain = () => {
    setOutcome(undefined);
    setFile(undefined);
    setError(undefined);
  };

  const fix = (id: string) => (e: MouseEvent) => {
    if (isModifiedClick(e)) return;
    e.preventDefault();
    onClose();
    openConnector(id, 'configuration');
  };

  const radioId = (m: ImportMode) => `${radioPrefix}-${m}`;
  const selectedMode = MODES.find((m) => m.mode === mode)!;

  return (
    <EuiFlyout size="s" onClose={onClose} aria-labelledby={titleId} data-test-subj="importConnectorsFlyout">
      <EuiFlyoutHeader hasBorder>
        <EuiTitle size="s">
          <h2 id={titleId}>Import connectors</h2>
        </EuiTitle>
      </EuiFlyoutHeader>
      <EuiFlyoutBody>
        {outcome ? (
          <ImportResult outcome={outcome} connectorHref={connectorHref} fix={fix} />
        ) : (
          <>
            <ServerErrorCallOut title="The file could not be imported" message={error} testSubj="importError" />
            <EuiText size="s">
              <p>
                Choose an NDJSON file exported from Plugboard or Kibana. Exports never hold secrets: the connectors that need them
                are marked after the import, and <strong>Fix</strong> lets you enter them again.
              </p>
            </EuiText>
            <EuiSpacer size="m" />
            <EuiFormRow fullWidth label="File">
              <EuiFilePicker
                fullWidth
                display="large"
                accept=".ndjson"
                initialPromptText="Select or drag and drop an .ndjson file"
                onChange={(files) => {
                  setFile(files?.[0] ?? undefined);
                  setError(undefined);
                }}
                data-test-subj="importFilePicker"
              />
            </EuiFormRow>
            <EuiSpacer size="m" />
            <EuiFormRow fullWidth helpText={selectedMode.help}>
              <EuiRadioGroup
                legend={{ children: 'When a connector with the same ID exists in this space' }}
                options={MODES.map((m) => ({ id: radioId(m.mode), label: m.label, 'data-test-subj': m.testSubj }))}
                idSelected={radioId(mode)}
                onChange={(id) => setMode(MODES.find((m) => radioId(m.mode) === id)!.mode)}
                name={radioPrefix}
              />
            </EuiFormRow>
          </>
        )}
      </EuiFlyoutBody>
      <EuiFlyoutFooter>
        <EuiFlexGroup justifyContent="spaceBetween" alignItems="center" gutterSize="s" responsive={false}>
          <EuiFlexItem grow={false}>
            {outcome ? (
              <EuiButtonEmpty flush="left" iconType="upload" onClick={startAgain} data-test-subj="importAnotherButton">
                Import another file
              </EuiButtonEmpty>
            ) : (
              <EuiButtonEmpty flush="left" onClick={onClose} data-test-subj="importCancelButton">
                Cancel
              </EuiButtonEmpty>
            )}
          </EuiFlexItem>
          <EuiFlexItem grow={false}>
            {outcome ? (
              <EuiButton fill onClick={onClose} data-test-subj="importDoneButton">
                Done
              </EuiButton>
            ) : (
              <EuiButton fill onClick={submit} isLoading={importing} isDisabled={!file || importing} data-test-subj="importSubmitButton">
                Import
              </EuiButton>
            )}
          </EuiFlexItem>
        </EuiFlexGroup>
      </EuiFlyoutFooter>
    </EuiFlyout>
  );
}

/** How an imported object landed, when not simply under its own id. */
function importedNote(result: ImportSuccess): string {
  if (result.overwrite) return ' (overwritten)';
  if (result.createNewCopy) return ' (new copy)';
  // Ids are unique across spaces: one taken in another space is replaced by a new one.
  if (result.destinationId && result.destinationId !== result.id) return ' (new ID)';
  return '';
}

function ImportResult({
  outcome,
  connectorHref,
  fix,
}: {
  outcome: Outcome;
  connectorHref(id: string, tab?: EditTab): string;
  fix(id: string): (e: MouseEvent) => void;
}) {
  const { response, needSecrets } = outcome;
  const imported = response.successResults ?? [];
  const errors = response.errors ?? [];
  const secretsWarning = secretsWarningOf(response);
  const otherWarnings = response.warnings.filter((w) => w !== secretsWarning);
  return (
    <div data-test-subj="importResult">
      <EuiCallOut
        color={errors.length === 0 ? 'success' : imported.length === 0 ? 'danger' : 'warning'}
        iconType={errors.length === 0 ? 'check' : 'warning'}
        title={`${response.successCount > 0 ? `${connectorsNoun(response.successCount)} imported` : 'Nothing was imported'}${errors.length > 0 ? `, ${errors.length} not imported` : ''}`}
        data-test-subj="importResultSummary"
      >
        {imported.length > 0 && (
          <ul>
            {imported.map((result) => (
              <li key={`${result.type}:${result.id}`} data-test-subj="importedObject">
                {objectTitle(result)}
                {importedNote(result)}
              </li>
            ))}
          </ul>
        )}
      </EuiCallOut>
      {errors.length > 0 && (
        <>
          <EuiSpacer size="m" />
          <EuiCallOut color="danger" iconType="error" title="Not imported" data-test-subj="importErrors">
            <ul>
              {errors.map((failure) => (
                <li key={`${failure.type}:${failure.id}`} data-test-subj="importErrorItem" data-error-type={failure.error.type}>
                  <strong>{objectTitle(failure)}</strong> — {describeImportError(failure)}
                </li>
              ))}
            </ul>
          </EuiCallOut>
        </>
      )}
      {secretsWarning && (
        <>
          <EuiSpacer size="m" />
          <EuiCallOut color="warning" iconType="lock" title={secretsWarning.message} data-test-subj="importSecretsWarning">
            <p>Secrets are not part of an export. Enter them again before these connectors can run:</p>
            {needSecrets.length > 0 ? (
              <ul>
                {needSecrets.map((connector) => (
                  <li key={connector.id} data-test-subj="importNeedsSecrets" data-connector-id={connector.id}>
                    {connector.name}{' '}
                    <EuiLink
                      href={connectorHref(connector.id, 'configuration')}
                      onClick={fix(connector.id)}
                      aria-label={`Fix ${connector.name}`}
                      data-test-subj="importFixConnector"
                    >
                      Fix
                    </EuiLink>
                  </li>
                ))}
              </ul>
            ) : (
              <p>They are marked in the list; open them with Fix.</p>
            )}
          </EuiCallOut>
        </>
      )}
      {otherWarnings.map((warning, i) => (
        <div key={i}>
          <EuiSpacer size="m" />
          <EuiCallOut color="primary" iconType="info" title={warning.message} data-test-subj="importWarning" />
        </div>
      ))}
    </div>
  );
}

