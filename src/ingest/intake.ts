import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { forbidden } from '../common/errors.js';
import type { Privilege } from '../security/roles.js';
import type { Principal } from '../security/principal.js';
import { ActiveAlertsLimitError } from '../storage/incoming_alerts_repository.js';
import { isResolved, type IncomingAlertSource, type IncomingAlertStore, type IngestListener, type PostedAlert, type UpsertResult } from './types.js';

// The one way a sender's alerts are stored, whatever route they came by (Alertmanager's API v2,
// the webhook payloads, the generic JSON routes): the senders' access check, the upsert with
// the `plugboard.ingest.maxActiveAlerts` guard, the ingest metrics and the IngestListener call.

export interface IngestIntakeDeps {
  store: IncomingAlertStore;
  authorizer: { rulesPrivilegeIn(principal: Principal, spaceId: string): Promise<Privilege | undefined> };
  listener: IngestListener;
  metrics: Registry;
}

/** What storing a post came to: stored, or refused whole by the maxActiveAlerts guard. */
export type IntakeOutcome = { stored: UpsertResult['alerts'] } | { refused: ActiveAlertsLimitError };

export interface IngestIntake {
  /**
   * Incoming alerts follow the rules' privilege (the `stackAlerts` feature, or a base privilege,
   * in the space): `read` to read them, `all` to post; an ingest token opens its own space only.
   */
  ensureAccess(principal: Principal, spaceId: string, needed: Privilege, what: string): Promise<void>;
  /** Counts alerts left out of a post by validation. */
  countInvalid(count: number): void;
  /**
   * Stores `alerts` (none: nothing to do), counts them, and tells the listener. A listener that
   * throws is logged, never turned into an error: the alerts are stored, and a sender told
   * otherwise would resend them.
   */
  store(
    spaceId: string,
    alerts: PostedAlert[],
    source: IncomingAlertSource,
    at: Date,
    log: Pick<Logger, 'error'>,
    options?: { resolveTimeoutMs?: number },
  ): Promise<IntakeOutcome>;
}

export function createIngestIntake(deps: IngestIntakeDeps): IngestIntake {
  const invalid = new Counter({
    name: 'plugboard_ingest_alerts_invalid_total',
    help: 'Posted alerts refused by validation (Alertmanager API v2 and the webhook routes)',
    registers: [deps.metrics],
  });
  const received = new Counter({
    name: 'plugboard_ingest_alerts_received_total',
    help: 'Posted alerts stored, by status (firing, resolved)',
    labelNames: ['status'] as const,
    registers: [deps.metrics],
  });
  const refusedAlerts = new Counter({
    name: 'plugboard_ingest_refused_alerts_total',
    help: 'Posted alerts refused because storing them would exceed plugboard.ingest.maxActiveAlerts (the whole post is refused with 429)',
    registers: [deps.metrics],
  });
  const refusedPosts = new Counter({
    name: 'plugboard_ingest_refused_posts_total',
    help: 'Posts refused with 429 by plugboard.ingest.maxActiveAlerts',
    registers: [deps.metrics],
  });

  return {
    async ensureAccess(principal, spaceId, needed, what) {
      if (principal.authenticationType === 'ingest_token') {
        if (principal.ingestSpace === spaceId) return;
      } else {
        const held = await deps.authorizer.rulesPrivilegeIn(principal, spaceId);
        if (held && (needed === 'read' || held === 'all')) return;
      }
      throw forbidden(`Unauthorized to ${what}: the [${needed}] privilege of the [stackAlerts] feature (or a base privilege) is needed in space [${spaceId}]`);
    },
    countInvalid(count) {
      invalid.inc(count);
    },
    async store(spaceId, alerts, source, at, log, options) {
      if (alerts.length === 0) return { stored: [] };
      let result;
      try {
        result = await deps.store.upsert(spaceId, alerts, source, at, options);
      } catch (err) {
        if (!(err instanceof ActiveAlertsLimitError)) throw err;
        refusedPosts.inc();
        refusedAlerts.inc(alerts.length);
        return { refused: err };
      }
      for (const { alert } of result.alerts) received.inc({ status: isResolved(alert, at.getTime()) ? 'resolved' : 'firing' });
      try {
        deps.listener.alertsChanged(spaceId, result.alerts);
      } catch (err) {
        log.error({ err }, 'an ingest listener failed on posted alerts');
      }
      return { stored: result.alerts };
    },
  };
}
