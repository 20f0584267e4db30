/**
 * An event function for tests of the event runtime: it records the sort key of every change
 * it handles, and fails the first time it meets an item whose sk starts with FAIL-ONCE.
 */
import { streamHandler } from '../../functions/shared/event-handler.ts';

export const seen: string[] = [];
const failed = new Set<string>();

export const handler = streamHandler(async (change) => {
  const sk = change.dynamodb?.Keys?.sk?.S ?? '';
  seen.push(sk);
  if (sk.startsWith('FAIL-ONCE') && !failed.has(sk)) {
    failed.add(sk);
    throw new Error(`failing ${sk} once`);
  }
});
