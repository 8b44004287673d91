import { z } from 'zod';

/**
 * Settings of the Conversation API client, validated once at start-up (STYLE habit 9).
 * The key secret is never logged: it only goes to the SDK, held in a private field.
 */
export const sinchApiConfigSchema = z.object({
  projectId: z.string().min(1, 'projectId: the Sinch project id (dashboard → Access keys)'),
  keyId: z.string().min(1, 'keyId: the access key id (dashboard → Access keys)'),
  keySecret: z
    .string()
    .min(1, 'keySecret: the access key secret, shown once when the key is created'),
  /** The app's region; the regional host must match it, or the API answers 404. */
  region: z.enum(['us', 'eu', 'br'], {
    message: 'region must be us, eu or br (the region of the Conversation API app)',
  }),
  /** Override of `https://{region}.conversation.api.sinch.com` (the simulator). Default: none. */
  conversationBaseUrl: z.url().optional(),
  /** Override of `https://{region}.template.api.sinch.com` (Template Management API). Default: conversationBaseUrl when set. */
  templatesBaseUrl: z.url().optional(),
  /** Override of `https://auth.sinch.com` (OAuth2 token endpoint host). Default: none. */
  authBaseUrl: z.url().optional(),
  /** Per-request timeout; a timed-out call is a retriable NETWORK_ERROR. Default: 10 s. */
  timeoutMs: z.number().int().positive().default(10_000),
});

export type SinchApiConfig = z.input<typeof sinchApiConfigSchema>;
export type ResolvedSinchApiConfig = z.output<typeof sinchApiConfigSchema>;

export function parseSinchApiConfig(config: SinchApiConfig): ResolvedSinchApiConfig {
  const result = sinchApiConfigSchema.safeParse(config);
  if (!result.success) {
    // Issues name the path and the fix; values are never echoed, so no secret leaks here.
    const details = result.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`invalid Sinch API configuration: ${details}`);
  }
  return result.data;
}
