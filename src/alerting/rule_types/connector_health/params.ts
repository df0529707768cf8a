import { z } from 'zod';

/** A window such as `30s`, `5m`, `1h` or `2d`: a whole number (no leading zero) and a unit. */
export const WINDOW_PATTERN = /^[1-9][0-9]*[smhd]$/;

const BETWEEN_0_AND_1 = { error: 'must be between 0 and 1' };
const AT_LEAST_1 = { error: 'must be a whole number of at least 1' };

// A wrong type or a missing field gets zod's own wording ("Expected number, received string",
// "Required"); the checks of values say what a valid one is.
export const connectorHealthParamsSchema = z.strictObject({
  /** The connectors to watch; empty (the default) watches every connector of the rule's space. */
  connectorIds: z.array(z.string().min(1, { error: 'must be a connector id, not an empty string' })).default([]),
  window: z.string().regex(WINDOW_PATTERN, { error: 'must be a duration: a whole number followed by s, m, h or d, such as "5m"' }),
  maxFailureRate: z.number().min(0, BETWEEN_0_AND_1).max(1, BETWEEN_0_AND_1),
  minExecutions: z.number().int(AT_LEAST_1).min(1, AT_LEAST_1),
  maxP99Ms: z.number().positive({ error: 'must be a number of milliseconds greater than 0' }).optional(),
});

export type ConnectorHealthParams = z.infer<typeof connectorHealthParamsSchema>;
