import { EuiButton } from '@elastic/eui';
import { useState } from 'react';
import { exportConnectors } from '../../api/endpoints.js';
import { useSpace } from '../../app/space.js';
import { useToasts } from '../../app/toasts.js';
import { downloadText, EXPORT_FILE_NAME, summarizeExport } from './transfer.js';

const connectorsNoun = (n: number) => `${n} ${n === 1 ? 'connector' : 'connectors'}`;

export interface ExportConnectorsButtonProps {
  /** The selected connectors' ids: only those are exported. Empty: every connector of the space. */
  selectedIds: string[];
  /** Nothing to export (no connectors, or only preconfigured ones). */
  isDisabled: boolean;
}

/** Downloads the space's connectors (or the selected ones) as Kibana's NDJSON export. */
export function ExportConnectorsButton({ selectedIds, isDisabled }: ExportConnectorsButtonProps) {
  const { spaceId } = useSpace();
  const toasts = useToasts();
  const [exporting, setExporting] = useState(false);

  const onExport = async () => {
    setExporting(true);
    try {
      const ndjson = await exportConnectors(spaceId, selectedIds.length > 0 ? selectedIds : undefined);
      downloadText(ndjson, EXPORT_FILE_NAME);
      const { exportedCount, missingSecretsCount } = summarizeExport(ndjson);
      toasts.success(
        `Exported ${connectorsNoun(exportedCount)}`,
        missingSecretsCount > 0
          ? `Secrets are not exported: after an import, ${connectorsNoun(missingSecretsCount)} will need their secrets entered again.`
          : undefined,
      );
    } catch (err) {
      toasts.danger('Could not export the connectors', (err as Error).message);
    } finally {
      setExporting(false);
    }
  };

  return (
    <EuiButton iconType="download" onClick={onExport} isLoading={exporting} isDisabled={isDisabled || exporting} data-test-subj="exportConnectorsButton">
      {selectedIds.length > 0 ? `Export ${connectorsNoun(selectedIds.length)}` : 'Export all'}
    </EuiButton>
  );
}
