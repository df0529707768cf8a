import {
  EuiButton,
  EuiButtonEmpty,
  EuiButtonGroup,
  EuiButtonIcon,
  EuiFieldText,
  EuiFlexGroup,
  EuiFlexItem,
  EuiFlyout,
  EuiFlyoutBody,
  EuiFlyoutFooter,
  EuiFlyoutHeader,
  EuiFormRow,
  EuiSelect,
  EuiSpacer,
  EuiText,
  EuiTextArea,
  EuiTitle,
} from '@elastic/eui';
import { useState } from 'react';
import { createSilence } from '../api/endpoints.js';
import type { SilenceMatcher } from '../api/types.js';
import { useCurrentUser } from '../app/session.js';
import { useSpace } from '../app/space.js';
import { useToasts } from '../app/toasts.js';
import { ServerErrorCallOut } from '../components/ServerErrorCallOut.js';
import { IntervalInput } from '../rules/controls.js';
import { formatTime, fromOperator, OPERATORS, operatorOf, silenceText, type MatchOperator } from './format.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `2h` → milliseconds. */
function durationMs(interval: string): number {
  const match = /^(\d+)([smhd])$/.exec(interval);
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : 0;
}

/** A `datetime-local` value (local time, to the minute) → ISO; undefined when empty. */
const localToIso = (value: string) => (value ? new Date(value).toISOString() : undefined);

/** The silence form: matchers (an alert's labels when opened from its row), time range, comment. */
export function SilenceFlyout({ initialMatchers, onClose, onCreated }: { initialMatchers: SilenceMatcher[]; onClose(): void; onCreated(): void }) {
  const { spaceId } = useSpace();
  const user = useCurrentUser();
  const toasts = useToasts();
  const [matchers, setMatchers] = useState<SilenceMatcher[]>(initialMatchers.length ? initialMatchers : [{ name: '', value: '', isRegex: false, isEqual: true }]);
  const [mode, setMode] = useState<'duration' | 'end'>('duration');
  const [duration, setDuration] = useState('2h');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);

  const update = (index: number, change: Partial<SilenceMatcher>) => setMatchers((list) => list.map((m, i) => (i === index ? { ...m, ...change } : m)));
  const startsAt = localToIso(start);
  const endsAt = mode === 'duration' ? new Date((startsAt ? Date.parse(startsAt) : Date.now()) + durationMs(duration)).toISOString() : localToIso(end);

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      // The end of a duration is taken when saving, so that a form left open still silences that long.
      const finalEnd = mode === 'duration' ? new Date((startsAt ? Date.parse(startsAt) : Date.now()) + durationMs(duration)).toISOString() : endsAt;
      const created = await createSilence(spaceId, { matchers, ...(startsAt ? { startsAt } : {}), endsAt: finalEnd ?? '', comment });
      toasts.success('Silence created', silenceText(created));
      onCreated();
    } catch (err) {
      setError((err as Error).message);
      setSaving(false);
    }
  };

  return (
    <EuiFlyout onClose={onClose} size="m" ownFocus aria-labelledby="silenceFlyoutTitle" data-test-subj="silenceFlyout">
      <EuiFlyoutHeader hasBorder>
        <EuiTitle size="m">
          <h2 id="silenceFlyoutTitle">Create silence</h2>
        </EuiTitle>
        <EuiSpacer size="s" />
        <EuiText size="s" color="subdued">
          <p>While active, the silence mutes every incoming alert whose labels all the matchers accept: its rules send no notifications for it.</p>
        </EuiText>
      </EuiFlyoutHeader>
      <EuiFlyoutBody>
        <ServerErrorCallOut title="The silence could not be created" message={error} testSubj="silenceFormError" />
        <EuiFormRow label="Matchers" helpText="A missing label matches as an empty value; a regular expression must match the whole value." fullWidth>
          <div>
            {matchers.map((m, index) => (
              <EuiFlexGroup key={index} gutterSize="s" responsive={false} alignItems="center" style={{ marginBottom: 4 }} data-test-subj="silenceMatcherRow">
                <EuiFlexItem>
                  <EuiFieldText compressed placeholder="label" value={m.name} onChange={(e) => update(index, { name: e.target.value })} aria-label={`Label name of matcher ${index + 1}`} data-test-subj="matcherName" />
                </EuiFlexItem>
                <EuiFlexItem grow={false} style={{ width: 170 }}>
                  <EuiSelect
                    compressed
                    options={OPERATORS}
                    value={operatorOf(m)}
                    onChange={(e) => update(index, fromOperator(e.target.value as MatchOperator))}
                    aria-label={`Operator of matcher ${index + 1}`}
                    data-test-subj="matcherOperator"
                  />
                </EuiFlexItem>
                <EuiFlexItem>
                  <EuiFieldText compressed placeholder="value" value={m.value} onChange={(e) => update(index, { value: e.target.value })} aria-label={`Value of matcher ${index + 1}`} data-test-subj="matcherValue" />
                </EuiFlexItem>
                <EuiFlexItem grow={false}>
                  <EuiButtonIcon
                    iconType="trash"
                    color="danger"
                    aria-label={`Remove matcher ${index + 1}`}
                    isDisabled={matchers.length === 1}
                    onClick={() => setMatchers((list) => list.filter((_, i) => i !== index))}
                    data-test-subj="removeMatcher"
                  />
                </EuiFlexItem>
              </EuiFlexGroup>
            ))}
            <EuiButtonEmpty size="xs" iconType="plusCircle" flush="left" onClick={() => setMatchers((list) => [...list, { name: '', value: '', isRegex: false, isEqual: true }])} data-test-subj="addMatcher">
              Add matcher
            </EuiButtonEmpty>
          </div>
        </EuiFormRow>
        <EuiFormRow label="Starts" helpText="Empty: now." fullWidth>
          <EuiFieldText type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} data-test-subj="silenceStart" aria-label="Start" />
        </EuiFormRow>
        <EuiFormRow label="Ends" fullWidth helpText={endsAt ? `Until ${formatTime(endsAt)}` : undefined}>
          <div>
            <EuiButtonGroup
              legend="How the end is given"
              buttonSize="compressed"
              options={[
                { id: 'duration', label: 'Duration', 'data-test-subj': 'silenceModeDuration' },
                { id: 'end', label: 'End time', 'data-test-subj': 'silenceModeEnd' },
              ]}
              idSelected={mode}
              onChange={(id) => setMode(id as 'duration' | 'end')}
            />
            <EuiSpacer size="s" />
            {mode === 'duration' ? (
              <IntervalInput value={duration} onChange={setDuration} label="Duration" testSubj="silenceDuration" />
            ) : (
              <EuiFieldText type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} data-test-subj="silenceEnd" aria-label="End" />
            )}
          </div>
        </EuiFormRow>
        <EuiFormRow label="Comment" helpText="Why the alerts are muted (required)." fullWidth>
          <EuiTextArea fullWidth rows={3} value={comment} onChange={(e) => setComment(e.target.value)} data-test-subj="silenceComment" />
        </EuiFormRow>
        <EuiFormRow label="Created by" fullWidth>
          <EuiFieldText value={user.username} readOnly data-test-subj="silenceCreatedBy" />
        </EuiFormRow>
      </EuiFlyoutBody>
      <EuiFlyoutFooter>
        <EuiFlexGroup justifyContent="spaceBetween">
          <EuiFlexItem grow={false}>
            <EuiButtonEmpty onClick={onClose} data-test-subj="cancelSilenceButton">
              Cancel
            </EuiButtonEmpty>
          </EuiFlexItem>
          <EuiFlexItem grow={false}>
            <EuiButton fill onClick={() => void save()} isLoading={saving} data-test-subj="saveSilenceButton">
              Create silence
            </EuiButton>
          </EuiFlexItem>
        </EuiFlexGroup>
      </EuiFlyoutFooter>
    </EuiFlyout>
  );
}
