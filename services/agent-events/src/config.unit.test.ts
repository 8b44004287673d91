import { agentViewSettings, loadAgentEventsConfig } from './config';

describe('agent-events settings', () => {
  it('reads the quote settings the projector’s history reads too (QUOTE_*)', () => {
    const { view } = agentViewSettings(
      loadAgentEventsConfig({ QUOTE_MAX_AGE_MS: '60000', QUOTE_MAX_TEXT_LENGTH: '5' }),
    );
    expect([view.quoteMaxAgeMs, view.quoteMaxTextLength]).toEqual([60_000, 5]);
  });

  it('stops on the names they had before, instead of ignoring them', () => {
    expect(() => loadAgentEventsConfig({ AGENT_EVENTS_QUOTE_MAX_AGE_MS: '60000' })).toThrow(
      expect.objectContaining({
        code: 'CPM_ERR_CONFIG',
        message: expect.stringMatching(/AGENT_EVENTS_QUOTE_MAX_AGE_MS: renamed QUOTE_MAX_AGE_MS/),
      }),
    );
  });
});
