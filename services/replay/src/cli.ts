/**
 * `npm run replay -w @cpm/replay -- <command>` (README.md): audit, rebuild, verify, export.
 * Reads topics and writes PostgreSQL only. Exit codes: 0 done, 1 verify found differences,
 * 2 error (with its code on stderr).
 */
import { Command } from 'commander';
import { agentViewSettings, loadAgentEventsConfig } from '@cpm/agent-events';
import { createLogger, errorCode } from '@cpm/platform';
import { keyringOf } from '@cpm/sinch-webhooks';
import { agentViewAt, formatAgentView } from './agent-view-at';
import { audit, auditIndexed, formatTimeline } from './audit';
import { rebuildAndSwap, verifyLive } from './commands';
import { loadReplayConfig } from './config';
import { ReplayUsageError } from './errors';
import { exportWindow } from './export-window';
import { Progress } from './progress';
import { formatReadmitLine, readmit } from './readmit';
import { redrive } from './redrive';
import { openReplay, type ReplayContext } from './replay-context';

const out = (line: string) => process.stdout.write(`${line}\n`);

function timeArg(name: string, value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms))
    throw new ReplayUsageError(
      `--${name} must be an ISO-8601 time or epoch milliseconds, got ${JSON.stringify(value)}`,
    );
  return ms;
}

async function withContext(run: (ctx: ReplayContext) => Promise<number>): Promise<void> {
  const config = loadReplayConfig();
  const ctx = openReplay(
    config,
    createLogger('replay', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL),
  );
  let code: number;
  try {
    code = await run(ctx);
  } finally {
    await ctx.close();
  }
  process.exitCode = code;
}

const program = new Command('replay')
  .description(
    'Audit, rebuild, verify and export from the logs. Never sends, downloads or notifies.',
  )
  .option('--json', 'JSON lines on stdout (and JSON progress on stderr)', false);
const json = (): boolean => Boolean(program.opts().json);

program
  .command('audit <subject>')
  .description(
    'ordered history of a conversation id or customer key, signatures re-verified with the secret valid at receipt',
  )
  .option(
    '--full-scan',
    'read the three topics whole instead of through the audit index (slower; finds raw webhooks by text too)',
    false,
  )
  .action((subject: string, options: { fullScan: boolean }) =>
    withContext(async (ctx) => {
      const base = {
        kafka: ctx.kafka,
        codec: ctx.codec,
        namespace: ctx.config.TOPIC_NAMESPACE,
        keyring: keyringOf(ctx.config),
      };
      const entries = options.fullScan
        ? await audit(base, subject)
        : await auditIndexed(
            {
              ...base,
              pool: ctx.pool,
              schema: ctx.config.PROJECTION_SCHEMA,
              projectorGroup: ctx.config.PROJECTOR_GROUP,
              onForeignIndex: (error) =>
                ctx.logger.warn(
                  { code: error.code, err: error.message },
                  'the audit index is of another topic namespace: not used, every record is read',
                ),
            },
            subject,
          );
      if (json()) entries.forEach((e) => out(JSON.stringify(e)));
      else out(entries.length > 0 ? formatTimeline(entries) : `nothing in the logs for ${subject}`);
      return 0;
    }),
  );

program
  .command('readmit')
  .description(
    'admit quarantined requests (sinch.webhooks.rejected.v1) that pass with the current keyring into sinch.webhooks.raw.v1; say why the rest stay',
  )
  .option('--from <time>', 'receipt time, ISO-8601 or epoch ms, inclusive')
  .option('--to <time>', 'receipt time, ISO-8601 or epoch ms, exclusive')
  .option('--dry-run', 'report what would be admitted, write nothing', false)
  .action((options: { from?: string; to?: string; dryRun: boolean }) =>
    withContext(async (ctx) => {
      const lines = await readmit({
        kafka: ctx.kafka,
        codec: ctx.codec,
        namespace: ctx.config.TOPIC_NAMESPACE,
        keyring: keyringOf(ctx.config),
        logger: ctx.logger,
        fromMs: options.from === undefined ? null : timeArg('from', options.from),
        toMs: options.to === undefined ? null : timeArg('to', options.to),
        dryRun: options.dryRun,
        progress: (label, total) => new Progress(label, total, json()),
      });
      lines.forEach((l) => out(json() ? JSON.stringify(l) : formatReadmitLine(l)));
      const count = (outcome: string) => lines.filter((l) => l.outcome === outcome).length;
      const summary = {
        admitted: count(options.dryRun ? 'WOULD_ADMIT' : 'ADMITTED'),
        alreadyAdmitted: count('ALREADY_ADMITTED'),
        kept: count('KEPT'),
        dryRun: options.dryRun,
      };
      out(
        json()
          ? JSON.stringify(summary)
          : `${summary.admitted} ${options.dryRun ? 'would be ' : ''}admitted, ${summary.alreadyAdmitted} admitted before, ${summary.kept} kept in quarantine`,
      );
      return 0;
    }),
  );

program
  .command('rebuild')
  .description(
    'rebuild the projections from offset 0 into <schema>_<n>, then swap it in atomically',
  )
  .action(() =>
    withContext(async (ctx) => {
      const report = await rebuildAndSwap(ctx, json());
      out(
        json()
          ? JSON.stringify(report)
          : `rebuilt ${report.records} records into ${report.schema} (${report.eventsPerSecond}/s), now live as ${ctx.config.PROJECTION_SCHEMA}; previous tables kept as ${report.retired ?? '-'}`,
      );
      return 0;
    }),
  );

program
  .command('verify')
  .description(
    'rebuild into a scratch schema and diff against the live tables; exit 1 when they differ',
  )
  .option('--keep', 'keep the scratch schema for inspection', false)
  .action((options: { keep: boolean }) =>
    withContext(async (ctx) => {
      const report = await verifyLive(ctx, json(), options.keep);
      for (const d of report.differences) {
        out(
          json()
            ? JSON.stringify(d)
            : `DIFF ${d.table} ${JSON.stringify(d.key)} ${d.kind} columns: ${d.columns.join(', ')}`,
        );
      }
      if (json())
        out(
          JSON.stringify({
            verified: report.differences.length === 0,
            differences: report.differences.length,
            records: report.records,
          }),
        );
      else
        out(
          report.differences.length === 0
            ? `no difference (${report.records} records replayed)`
            : `${report.differences.length} difference(s)`,
        );
      return report.differences.length === 0 ? 0 : 1;
    }),
  );

program
  .command('export')
  .description(
    'raw webhook records received in [--from, --to) as JSON lines (body as UTF-8 text and base64)',
  )
  .requiredOption('--from <time>', 'ISO-8601 or epoch ms, inclusive')
  .requiredOption('--to <time>', 'ISO-8601 or epoch ms, exclusive')
  .action((options: { from: string; to: string }) =>
    withContext(async (ctx) => {
      const from = timeArg('from', options.from);
      const to = timeArg('to', options.to);
      const n = await exportWindow(
        {
          kafka: ctx.kafka,
          codec: ctx.codec,
          namespace: ctx.config.TOPIC_NAMESPACE,
          progress: (total) => new Progress('export', total, json()),
        },
        from,
        to,
        out,
      );
      process.stderr.write(
        json() ? `${JSON.stringify({ exported: n })}\n` : `exported ${n} record(s)\n`,
      );
      return 0;
    }),
  );

program
  .command('redrive <dlqTopic>')
  .description(
    'put dead letters back on their source topic (once each, recorded on replay.redrives.v1) after the cause is fixed',
  )
  .option('--code <code>', 'only those that failed with this error code')
  .option('--from <time>', 'failed at or after (ISO-8601 or epoch ms)')
  .option('--to <time>', 'failed before (ISO-8601 or epoch ms)')
  .option('--key <customerKey>', "only this customer's")
  .option('--dry-run', 'print what would be redriven, write nothing', false)
  .action(
    (
      dlqTopic: string,
      options: { code?: string; from?: string; to?: string; key?: string; dryRun: boolean },
    ) =>
      withContext(async (ctx) => {
        const report = await redrive(
          {
            kafka: ctx.kafka,
            codec: ctx.codec,
            namespace: ctx.config.TOPIC_NAMESPACE,
            partitions: ctx.config.TOPIC_PARTITIONS,
            logger: ctx.logger,
          },
          dlqTopic,
          {
            ...(options.code !== undefined && { code: options.code }),
            ...(options.from !== undefined && { fromMs: timeArg('from', options.from) }),
            ...(options.to !== undefined && { toMs: timeArg('to', options.to) }),
            ...(options.key !== undefined && { key: options.key }),
          },
          options.dryRun,
        );
        const verb = report.dryRun ? 'would redrive' : 'redriven';
        for (const item of report.items)
          out(
            json()
              ? JSON.stringify({ ...item, dryRun: report.dryRun })
              : `${verb} ${item.position} ${item.errorCode} key ${item.key ?? '-'} failed ${item.failedAt} → ${item.source.topic}[${item.source.partition}]${item.redrivenOffset !== null ? `@${item.redrivenOffset}` : ''} (failed at offset ${item.source.offset})`,
          );
        const summary = {
          dlqTopic: report.dlqTopic,
          dryRun: report.dryRun,
          matched: report.matched,
          alreadyRedriven: report.alreadyRedriven,
          redriven: report.dryRun ? 0 : report.items.length,
        };
        out(
          json()
            ? JSON.stringify(summary)
            : `${report.matched} dead letter(s) matched, ${report.alreadyRedriven} already redriven, ${report.items.length} ${verb}`,
        );
        return 0;
      }),
  );

program
  .command('agent-view <subject>')
  .description(
    "what the agent saw for a customer key or conversation id at a time or log position, rebuilt by agent-events' own handler",
  )
  .requiredOption('--at <point>', 'ISO-8601 time, epoch ms, or <topic>:<partition>:<offset>')
  .action((subject: string, options: { at: string }) =>
    withContext(async (ctx) => {
      const result = await agentViewAt(
        {
          kafka: ctx.kafka,
          codec: ctx.codec,
          pool: ctx.pool,
          namespace: ctx.config.TOPIC_NAMESPACE,
          projectionSchema: ctx.config.PROJECTION_SCHEMA,
          settings: agentViewSettings(loadAgentEventsConfig()),
          logger: ctx.logger,
        },
        subject,
        options.at,
      );
      out(json() ? JSON.stringify(result) : formatAgentView(result));
      return 0;
    }),
  );

program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`${errorCode(error)}: ${error.message}\n`);
  process.exitCode = 2;
});
