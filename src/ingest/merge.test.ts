import { describe, expect, it } from 'vitest';
import { changeOf, mergeAlerts, putAlert, receivedAlert, type MergeableAlert } from './merge.js';

// Alertmanager's merge of two copies of an alert (types.Alert.Merge) and its store's Put, with
// the cases of Alertmanager's types_test.go TestAlertMerge as facts, and the change Plugboard
// reports for each post.

const NOW = 1_000_000_000_000;
const M = 60_000;
const copy = (startsAt: number, endsAt: number, updatedAt: number, timeout = false, annotations: Record<string, string> = {}): MergeableAlert => ({
  labels: { alertname: 'x' },
  annotations,
  generatorURL: '',
  startsAt,
  endsAt,
  timeout,
  updatedAt,
});

describe('mergeAlerts (types.Alert.Merge)', () => {
  it('keeps the earliest start and takes the younger copy as the base', () => {
    const merged = mergeAlerts(copy(NOW - 10 * M, NOW + 5 * M, NOW - M, false, { a: 'old' }), copy(NOW - 5 * M, NOW + 6 * M, NOW, false, { a: 'new' }), NOW);
    expect(merged).toMatchObject({ startsAt: NOW - 10 * M, endsAt: NOW + 6 * M, updatedAt: NOW, annotations: { a: 'new' } });
  });

  it('while firing, a later end of the older copy wins unless it was a timeout', () => {
    expect(mergeAlerts(copy(NOW - M, NOW + 10 * M, NOW - M), copy(NOW - M, NOW + 5 * M, NOW, true), NOW)).toMatchObject({ endsAt: NOW + 10 * M, timeout: true });
    expect(mergeAlerts(copy(NOW - M, NOW + 10 * M, NOW - M, true), copy(NOW - M, NOW + 5 * M, NOW), NOW)).toMatchObject({ endsAt: NOW + 5 * M, timeout: false });
  });

  it('when the younger copy is resolved, the older end wins only if it is resolved too and later', () => {
    expect(mergeAlerts(copy(NOW - 9 * M, NOW - M, NOW - M), copy(NOW - 9 * M, NOW - 2 * M, NOW), NOW).endsAt).toBe(NOW - M);
    expect(mergeAlerts(copy(NOW - 9 * M, NOW + M, NOW - M), copy(NOW - 9 * M, NOW - 2 * M, NOW), NOW).endsAt).toBe(NOW - 2 * M);
  });

  it('lets the younger copy be the base whichever argument it is', () => {
    const older = copy(NOW - 9 * M, NOW + 9 * M, NOW - M, false, { a: 'old' });
    const younger = copy(NOW - 5 * M, NOW + 5 * M, NOW, false, { a: 'new' });
    expect(mergeAlerts(younger, older, NOW)).toEqual(mergeAlerts(older, younger, NOW));
  });
});

describe('putAlert (the store: merge only overlapping activity)', () => {
  it('merges an overlapping resend and replaces a copy whose range does not overlap (a re-firing)', () => {
    const stored = copy(NOW - 10 * M, NOW - 5 * M, NOW - 5 * M);
    const refire = copy(NOW, NOW + 5 * M, NOW, true);
    expect(putAlert(stored, refire, NOW)).toEqual(refire);
    const resend = copy(NOW - 7 * M, NOW + 5 * M, NOW);
    expect(putAlert(stored, resend, NOW)).toMatchObject({ startsAt: NOW - 10 * M, endsAt: NOW + 5 * M });
    expect(putAlert(undefined, resend, NOW)).toBe(resend);
  });
});

describe('receivedAlert (the API handler defaults)', () => {
  it('starts now (or at the end), ends after the resolve timeout with the timeout flag', () => {
    expect(receivedAlert({ labels: { a: 'b' }, annotations: {} }, NOW, 5 * M)).toMatchObject({ startsAt: NOW, endsAt: NOW + 5 * M, timeout: true, updatedAt: NOW, generatorURL: '' });
    expect(receivedAlert({ labels: { a: 'b' }, annotations: {}, endsAt: new Date(NOW - M) }, NOW, 5 * M)).toMatchObject({ startsAt: NOW - M, endsAt: NOW - M, timeout: false });
  });
});

describe('changeOf', () => {
  it('says new, resolved, refired, updated or unchanged', () => {
    const firing = copy(NOW - M, NOW + 4 * M, NOW - M);
    expect(changeOf(undefined, firing, NOW)).toBe('new');
    expect(changeOf(firing, copy(NOW - M, NOW + 5 * M, NOW), NOW)).toBe('unchanged');
    expect(changeOf(firing, copy(NOW - M, NOW + 5 * M, NOW, false, { summary: 'x' }), NOW)).toBe('updated');
    expect(changeOf(firing, copy(NOW - M, NOW - 1, NOW), NOW)).toBe('resolved');
    expect(changeOf(copy(NOW - 9 * M, NOW - M, NOW - M), copy(NOW, NOW + M, NOW), NOW)).toBe('refired');
    expect(changeOf(copy(NOW - 9 * M, NOW - M, NOW - M), copy(NOW - 9 * M, NOW - 2 * M, NOW), NOW)).toBe('updated');
    // An alert whose timeout passed unrefreshed is resolved: its next post re-fires it.
    expect(changeOf(copy(NOW - 9 * M, NOW, NOW - 5 * M, true), copy(NOW, NOW + 5 * M, NOW, true), NOW)).toBe('refired');
  });
});
