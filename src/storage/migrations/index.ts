import type { Migration, MigrationProvider } from 'kysely';
import * as core from './001_core.js';
import * as tasksAndEventLog from './002_tasks_and_event_log.js';
import * as claimOrderIndex from './003_claim_order_index.js';
import * as security from './004_security.js';
import * as userMetadata from './005_user_metadata.js';
import * as sessionPasswordStamp from './006_session_password_stamp.js';
import * as taskInterruptions from './007_task_interruptions.js';
import * as encryptionKeyCheck from './008_encryption_key_check.js';
import * as connectorsSpaceIndex from './009_connectors_space_index.js';
import * as claimQueueIndex from './010_claim_queue_index.js';
import * as eventRowsPerAttempt from './011_event_rows_per_attempt.js';
import * as partialTaskIndexes from './012_partial_task_indexes.js';
import * as rules from './013_rules.js';
import * as ruleEvents from './014_rule_events.js';
import * as incomingAlerts from './015_incoming_alerts.js';
import * as silences from './016_silences.js';
import * as ticketLinks from './017_ticket_links.js';
import * as incomingAlertVersions from './018_incoming_alert_versions.js';
import * as eventGenAiUsage from './019_event_gen_ai_usage.js';
import * as aiConversations from './020_ai_conversations.js';
import * as cases from './021_cases.js';
import * as caseConfigurations from './022_case_configurations.js';

// One explicit, ordered list: both dialects run exactly these migrations.
const MIGRATIONS: Record<string, Migration> = {
  '001_core': core,
  '002_tasks_and_event_log': tasksAndEventLog,
  '003_claim_order_index': claimOrderIndex,
  '004_security': security,
  '005_user_metadata': userMetadata,
  '006_session_password_stamp': sessionPasswordStamp,
  '007_task_interruptions': taskInterruptions,
  '008_encryption_key_check': encryptionKeyCheck,
  '009_connectors_space_index': connectorsSpaceIndex,
  '010_claim_queue_index': claimQueueIndex,
  '011_event_rows_per_attempt': eventRowsPerAttempt,
  '012_partial_task_indexes': partialTaskIndexes,
  '013_rules': rules,
  '014_rule_events': ruleEvents,
  '015_incoming_alerts': incomingAlerts,
  '016_silences': silences,
  '017_ticket_links': ticketLinks,
  '018_incoming_alert_versions': incomingAlertVersions,
  '019_event_gen_ai_usage': eventGenAiUsage,
  '020_ai_conversations': aiConversations,
  '021_cases': cases,
  '022_case_configurations': caseConfigurations,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
