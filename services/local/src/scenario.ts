import type { Logger } from '@cpm/platform';
import type { SinchSimulator } from '@cpm/sinch-simulator';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Demo traffic: scripted customers across channels, played by the Sinch simulator through
 * the real ingress: WhatsApp with a name, Instagram without one, Messenger, SMS, an MMS
 * thread whose text replies arrive on SMS, media, a location, opt-in, a conversation end.
 */
export async function playScenario(
  sim: SinchSimulator,
  logger: Logger,
  round: number,
  isRunning: () => boolean,
): Promise<void> {
  const n = String(round).padStart(3, '0');
  const alice = sim.customer({
    channel: 'WHATSAPP',
    identity: `46700${n}001`,
    displayName: `Alice ${round}`,
  });
  const igUser = sim.customer({ channel: 'INSTAGRAM', identity: `17841400${n}0001` });
  const mia = sim.customer({
    channel: 'MESSENGER',
    identity: `PSID${n}42`,
    displayName: `Mia ${round}`,
  });
  const sam = sim.customer({ channel: 'SMS', identity: `1555010${n}1` });
  const mms = sim.customer({ channel: 'MMS', identity: `1555020${n}2` });
  const steps: [string, () => Promise<unknown>][] = [
    ['WhatsApp text', () => alice.sendText('Hi! Where is my order #42?')],
    ['WhatsApp opt-in', () => alice.optIn()],
    ['Instagram media', () => igUser.sendMedia('png', { caption: 'This one' })],
    [
      'Messenger location',
      () =>
        mia.sendLocation({
          latitude: 59.3293,
          longitude: 18.0686,
          title: 'Office',
          label: 'Stockholm',
        }),
    ],
    ['SMS text', () => sam.sendText('STOP calling me at night please')],
    ['MMS picture', () => mms.sendMedia('png', { caption: 'damaged box' })],
    ['MMS text reply (arrives on SMS)', () => mms.sendText('and the invoice is wrong too')],
    ['WhatsApp voice note', () => alice.sendMedia('ogg')],
    ['WhatsApp conversation end', () => alice.endConversation()],
  ];
  for (const [name, step] of steps) {
    if (!isRunning()) return;
    try {
      await step();
      logger.info({ round, step: name }, 'demo customer');
    } catch (error) {
      logger.warn({ round, step: name, err: (error as Error).message }, 'demo step failed');
    }
    await pause(1500);
  }
}
