/**
 * The e2e bench's load generator, in its own process so that sending does not delay the
 * bench's readers (on a 2-CPU machine a busy sender's event loop adds hundreds of ms to
 * what its consumers see). Sends GEN_RATE signed webhooks per second, evenly paced, for
 * GEN_SECONDS, over keep-alive connections without waiting for answers, then prints one
 * JSON line: the wall-clock send time of each message id, the acknowledged count and how
 * far behind the pace it fell.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signWebhook } from '@cpm/sinch-webhooks';
import { inboundTextBody } from '@cpm/testkit';

const url = new URL(process.env.GEN_URL!);
const secret = process.env.GEN_SECRET!;
const rate = Number(process.env.GEN_RATE);
const seconds = Number(process.env.GEN_SECONDS);
const prefix = process.env.GEN_PREFIX ?? `r${rate}`;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(body: Buffer): Promise<number> {
  const headers = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    ...signWebhook(body, secret, randomUUID(), Math.floor(Date.now() / 1000)),
  };
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const total = rate * seconds;
  const sent: [string, number][] = [];
  const answers: Promise<number>[] = [];
  const start = performance.now();
  let maxLagMs = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    const id = `${prefix}-${i}`;
    const body = Buffer.from(inboundTextBody({ appId: 'app-bench', id, n: i, contacts: 200 }));
    sent.push([id, Date.now()]);
    answers.push(post(body));
  }
  const sendSeconds = (performance.now() - start) / 1000;
  const statuses = await Promise.all(answers);
  agent.destroy();
  process.stdout.write(
    `${JSON.stringify({ sent, acked: statuses.filter((s) => s === 200).length, sendSeconds, maxLagMs })}\n`,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
