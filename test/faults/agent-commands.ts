import type { Kafka } from 'kafkajs';
import type { AgentCommand, OutboundRecord } from '@cpm/contracts';
import type { SchemaCodec } from '@cpm/kafka';
import type { InboundResult, SinchSimulator } from '@cpm/sinch-simulator';
import { NO_COMMAND_CONTENT, readTopic, type ReadRecord } from '@cpm/testkit';

/**
 * The outbound fault tests' load and checks: agent commands written straight to
 * agent.commands.v1 (each a SEND_TEXT whose text names its command id), sent by the outbound
 * to a Sinch simulator, and the at-most-once check of their outcomes and sends.
 */

/** `count` simulated SMS customers, each known to the simulator (a message from each). */
export async function simCustomers(sim: SinchSimulator, count: number): Promise<InboundResult[]> {
  const customers: InboundResult[] = [];
  for (let c = 0; c < count; c++)
    customers.push(
      await sim.customer({ channel: 'SMS', identity: `4670000${1000 + c}` }).sendText('hi'),
    );
  return customers;
}

/** Agent command `commandId` to `customer` ("text of <commandId>"), encoded for agent.commands.v1. */
export async function agentCommand(
  codec: SchemaCodec,
  commandId: string,
  customer: InboundResult,
): Promise<{ key: string; value: Buffer }> {
  const command: AgentCommand = {
    commandId,
    createdAt: Date.now(),
    type: 'SEND_TEXT',
    appId: 'sim-app',
    contactId: customer.contactId,
    conversationId: customer.conversationId,
    channel: 'SMS',
    identity: '',
    author: 'AGENT',
    agentId: 'agent-1',
    ...NO_COMMAND_CONTENT,
    text: `text of ${commandId}`,
  };
  return {
    key: `sim-app:${customer.contactId}`,
    value: await codec.encode('agent.commands.v1', command),
  };
}

/** The outbound's environment beyond the test env's: Sinch is `sim`, no rate limit to speak of. */
export function outboundSimEnv(sim: SinchSimulator): Record<string, string> {
  return {
    SINCH_PROJECT_ID: sim.projectId,
    SINCH_KEY_ID: 'key-id',
    SINCH_KEY_SECRET: 'key-secret',
    SINCH_CONVERSATION_BASE_URL: sim.url,
    SINCH_AUTH_BASE_URL: sim.url,
    OUTBOUND_RATE_LIMIT_PER_SECOND: '1000',
  };
}

/**
 * Reads `topic` (sinch.outbound.v1) until it holds `expected` records, waiting on while
 * outcomes keep coming (each sent command costs a transaction of its own, the checkpoint: under
 * machine load the instances may still be working off the backlog); 30 s without a new one
 * ends the wait. Returns the records and how long it waited.
 */
export async function readOutcomes(
  kafka: Kafka,
  topic: string,
  expected: number,
  already: ReadRecord[] = [],
): Promise<{ records: ReadRecord[]; waitMs: number }> {
  const start = Date.now();
  let records = already;
  for (let last = Date.now(); records.length < expected && Date.now() - last < 30_000;) {
    const more = await readTopic(kafka, topic, { minRecords: expected, timeoutMs: 10_000 });
    if (more.length > records.length) last = Date.now();
    records = more;
  }
  return { records, waitMs: Date.now() - start };
}

export interface OutcomeCheck {
  /** Everything against at most once; the test expects none. */
  problems: string[];
  outcomes: OutboundRecord[];
  /** Send requests the simulator accepted for commands of this prefix. */
  sendRequests: number;
  /** FAILED UNKNOWN_OUTCOME_* outcomes per code: allowed (sent at most once), counted. */
  unknown: Record<string, { total: number; reachedSinch: number }>;
}

/**
 * At most once for commands `ids` (all `<prefix>-…`, every one produced): each has exactly one
 * outcome record, and no other command has one;
 * the simulator received at most one send of it; SENT has exactly one message at the
 * simulator, the one whose id it carries; FAILED only with an UNKNOWN_OUTCOME_* code (the
 * send was cut off: it reached Sinch once or not at all), counted per code.
 */
export async function checkOutcomes(o: {
  codec: SchemaCodec;
  sim: SinchSimulator;
  records: ReadRecord[];
  prefix: string;
  ids: string[];
}): Promise<OutcomeCheck> {
  const outcomes = await Promise.all(
    o.records.map((r) => o.codec.decode<OutboundRecord>(r.value!)),
  );
  const byCommand = new Map<string, OutboundRecord[]>();
  for (const x of outcomes) byCommand.set(x.commandId, [...(byCommand.get(x.commandId) ?? []), x]);
  // What the simulator received and accepted for a command: its requests (not refused for
  // their token) and the messages it created.
  const requests = o.sim
    .requests('messages:send')
    .filter((r) => r.status !== 401 && JSON.stringify(r.body).includes(`"text of ${o.prefix}-`));
  const requestsOf = (id: string) =>
    requests.filter((r) => JSON.stringify(r.body).includes(`"text of ${id}"`));
  const messages = [...o.sim.state.sentMessages.values()];
  const messagesOf = (id: string) =>
    messages.filter((m) => JSON.stringify(m.message).includes(`"text of ${id}"`));

  const problems: string[] = [];
  const unknown: OutcomeCheck['unknown'] = {};
  for (const id of o.ids) {
    const mine = byCommand.get(id) ?? [];
    const got = messagesOf(id);
    const asked = requestsOf(id);
    const detail = asked
      .map((r) => `#${r.seq} from ${r.client} at ${r.receivedAtMs} → ${r.status}`)
      .join(', ');
    if (mine.length !== 1) problems.push(`${id}: ${mine.length} outcome records`);
    if (asked.length > 1) problems.push(`${id}: sent ${asked.length} times (${detail})`);
    const [x] = mine;
    if (x?.outcome === 'SENT' && (got.length !== 1 || got[0]!.id !== x.sinchMessageId))
      problems.push(`${id}: SENT attempt ${x.attempt}, ${got.length} messages (${detail})`);
    if (x?.outcome === 'FAILED') {
      if (x.errorCode?.startsWith('UNKNOWN_OUTCOME_')) {
        const count = (unknown[x.errorCode] ??= { total: 0, reachedSinch: 0 });
        count.total++;
        if (got.length === 1) count.reachedSinch++;
      } else problems.push(`${id}: FAILED ${x.errorCode} ${x.errorMessage}`);
    }
  }
  const known = new Set(o.ids);
  for (const id of byCommand.keys())
    if (!known.has(id)) problems.push(`${id}: an outcome of a command never produced`);
  return {
    problems,
    outcomes,
    sendRequests: requests.length,
    unknown,
  };
}
