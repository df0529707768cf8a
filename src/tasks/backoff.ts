// Kibana's retry delay for a failed task: 30 s after the first attempt, then a random delay
// up to 5 minutes × 2^(attempts − 2), capped at one hour.
const FIRST_RETRY_MS = 30_000;
const BASE_MS = 5 * 60_000;
const CAP_MS = 60 * 60_000;

export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  if (attempts <= 1) return FIRST_RETRY_MS;
  return Math.round(random() * Math.min(CAP_MS, BASE_MS * 2 ** (attempts - 2)));
}
