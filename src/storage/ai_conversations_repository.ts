import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AiConversationMessage, AiConversationStore, NewAiConversation, TokenUsage } from '../actions/types.js';
import type { AiConversationsTable, Database } from './schema.js';

/** A stored conversation of the AI assistant system action. */
export interface AiConversation extends NewAiConversation {
  id: string;
  createdAt: number;
}

function fromRow(row: Selectable<AiConversationsTable>): AiConversation {
  const usage: TokenUsage | null =
    row.total_tokens === null ? null : { promptTokens: row.prompt_tokens ?? 0, completionTokens: row.completion_tokens ?? 0, totalTokens: row.total_tokens };
  return {
    id: row.id,
    spaceId: row.space_id,
    title: row.title,
    connectorId: row.connector_id,
    connectorTypeId: row.connector_type_id,
    messages: JSON.parse(row.messages) as AiConversationMessage[],
    ruleId: row.rule_id,
    ruleExecutionId: row.rule_execution_id,
    actionExecutionId: row.action_execution_id,
    usage,
    status: row.status as AiConversation['status'],
    error: row.error,
    createdAt: row.created_at,
  };
}

/** The AI assistant's conversations, per space (migration 020). */
export class AiConversationsRepository implements AiConversationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(c: NewAiConversation): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('ai_conversations')
      .values({
        id,
        space_id: c.spaceId,
        title: c.title,
        connector_id: c.connectorId,
        connector_type_id: c.connectorTypeId,
        messages: JSON.stringify(c.messages),
        rule_id: c.ruleId,
        rule_execution_id: c.ruleExecutionId,
        action_execution_id: c.actionExecutionId,
        prompt_tokens: c.usage?.promptTokens ?? null,
        completion_tokens: c.usage?.completionTokens ?? null,
        total_tokens: c.usage?.totalTokens ?? null,
        status: c.status,
        error: c.error,
        created_at: Date.now(),
      })
      .execute();
    return id;
  }

  async get(spaceId: string, id: string): Promise<AiConversation | undefined> {
    const row = await this.db.selectFrom('ai_conversations').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  /** A rule's conversations, newest first; of one of its runs when `ruleExecutionId` is given. */
  async listForRule(spaceId: string, ruleId: string, ruleExecutionId?: string): Promise<AiConversation[]> {
    let query = this.db.selectFrom('ai_conversations').selectAll().where('space_id', '=', spaceId).where('rule_id', '=', ruleId);
    if (ruleExecutionId !== undefined) query = query.where('rule_execution_id', '=', ruleExecutionId);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(1000).execute();
    return rows.map(fromRow);
  }
}

/** Deletes the conversations stored before `before` (the event-log retention: a run and what its action said expire together); resolves to how many. */
export async function deleteConversationsBefore(db: Kysely<Database>, before: Date): Promise<number> {
  const deleted = await db.deleteFrom('ai_conversations').where('created_at', '<', before.getTime()).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}
