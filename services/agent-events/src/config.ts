import { z } from 'zod';
import {
  bool,
  ConfigError,
  connectionSchema,
  consumerHealthSchema,
  loadConfig,
  port,
  positiveInt,
  quoteSettingsSchema,
} from '@cpm/platform';
import { QUOTE_DEFAULTS, type AgentViewOptions } from '@cpm/domain';

export const agentEventsConfigSchema = connectionSchema
  .merge(consumerHealthSchema)
  .merge(quoteSettingsSchema(QUOTE_DEFAULTS))
  .extend({
    AGENT_EVENTS_HTTP_PORT: port(18085), // health and metrics; 0 picks a free port
    AGENT_EVENTS_HTTP_HOST: z.string().default('127.0.0.1'), // bind address; 0.0.0.0 in a container, for its probes
    AGENT_EVENTS_KNOWN_MESSAGES: positiveInt(500), // messages remembered per customer for quoting (the last ones)
    AGENT_EVENTS_KNOWN_STATUSES: positiveInt(500), // delivery states remembered per customer (the last messages)
    AGENT_EVENTS_MEDIA_BASE_URL: z.string().default('http://127.0.0.1:18084/media'), // where agents fetch downloaded media: <base>/<storageKey>
    AGENT_EVENTS_LOOKUP_NAMES: bool(false), // look display names up through the Conversation API when none is known; off by default
    AGENT_EVENTS_LOOKUP_RATE_PER_SECOND: positiveInt(10), // look-ups per second per Sinch app; over it a customer is asked about on a later event
    AGENT_EVENTS_REPLAY: bool(false), // replay: never call Sinch, use the look-ups already in sinch.lookups.v1
    AGENT_EVENTS_OUTPUT_TOPIC_SUFFIX: z
      .string()
      .regex(
        /^(\.[a-z0-9-]+)?$/,
        'a suffix such as ".shadow" (dot, lower-case letters, digits, dashes) or empty',
      )
      .default(''), // '.shadow' writes agent.events.v1.shadow with its own consumer group and state; '' the product topic
    // Sinch Conversation API, only for look-ups (AGENT_EVENTS_LOOKUP_NAMES=true and not a replay).
    SINCH_PROJECT_ID: z.string().default(''), // required when look-ups are on; none by default
    SINCH_KEY_ID: z.string().default(''), // required when look-ups are on; none by default
    SINCH_KEY_SECRET: z.string().default(''), // required when look-ups are on; never logged
    SINCH_REGION: z.enum(['us', 'eu', 'br']).default('us'), // region of the Conversation API app; us by default
    SINCH_CONVERSATION_BASE_URL: z.url().optional(), // override of https://{region}.conversation.api.sinch.com (simulator); none by default
    SINCH_AUTH_BASE_URL: z.url().optional(), // override of https://auth.sinch.com (simulator); none by default
    SINCH_TIMEOUT_MS: positiveInt(10_000), // per look-up call; 10 s
  });

export type AgentEventsConfig = z.infer<typeof agentEventsConfigSchema>;

export const loadAgentEventsConfig = (env: NodeJS.ProcessEnv = process.env): AgentEventsConfig =>
  loadConfig(agentEventsConfigSchema, env);

/** The view settings of the handler (agentEventsHandler): the live service and a replay of it use the same. */
export function agentViewSettings(config: AgentEventsConfig): {
  view: AgentViewOptions;
  mediaBaseUrl: string;
} {
  return {
    view: {
      quoteMaxAgeMs: config.QUOTE_MAX_AGE_MS,
      quoteMaxTextLength: config.QUOTE_MAX_TEXT_LENGTH,
      knownMessages: config.AGENT_EVENTS_KNOWN_MESSAGES,
      knownStatuses: config.AGENT_EVENTS_KNOWN_STATUSES,
    },
    mediaBaseUrl: config.AGENT_EVENTS_MEDIA_BASE_URL,
  };
}

/** Look-ups need Sinch credentials; a replay never calls Sinch. */
export function checkLookupConfig(config: AgentEventsConfig): void {
  if (!config.AGENT_EVENTS_LOOKUP_NAMES || config.AGENT_EVENTS_REPLAY) return;
  const missing = (['SINCH_PROJECT_ID', 'SINCH_KEY_ID', 'SINCH_KEY_SECRET'] as const).filter(
    (name) => config[name] === '',
  );
  if (missing.length > 0)
    throw new ConfigError(
      `AGENT_EVENTS_LOOKUP_NAMES=true needs ${missing.join(', ')} (dashboard → Access keys), or set AGENT_EVENTS_LOOKUP_NAMES=false`,
    );
}
