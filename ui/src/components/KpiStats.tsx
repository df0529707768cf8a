import { EuiFlexGroup, EuiFlexItem, EuiPanel, EuiStat } from '@elastic/eui';

export interface KpiStat {
  label: string;
  /** An EuiStat title color: success, warning, danger, subdued… */
  color: string;
  /** Undefined while unknown. */
  value?: number;
  testSubj: string;
}

/** A row of counts in small panels (the execution logs' outcome counts). */
export function KpiStats({ stats, loading }: { stats: KpiStat[]; loading: boolean }) {
  return (
    <EuiFlexGroup gutterSize="s" responsive={false} wrap>
      {stats.map((stat) => (
        <EuiFlexItem key={stat.testSubj} style={{ minWidth: 130 }}>
          <EuiPanel hasBorder paddingSize="s">
            <EuiStat
              title={stat.value === undefined ? '–' : String(stat.value)}
              description={stat.label}
              titleColor={stat.color}
              titleSize="s"
              isLoading={loading}
              reverse
              data-test-subj={stat.testSubj}
            />
          </EuiPanel>
        </EuiFlexItem>
      ))}
    </EuiFlexGroup>
  );
}
