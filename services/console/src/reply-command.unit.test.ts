import { InvalidReplyError } from './errors';
import { parseReply, replyCommand } from './reply-command';
import { agentEvent } from '../test/test-kit';
import { reduceConversation } from './view-model';

const conversation = reduceConversation(undefined, {
  kind: 'event',
  customerKey: 'app1:contact-anna',
  event: agentEvent('CONVERSATION_STARTED'),
});

describe('reply → agent command', () => {
  it('a text reply carries the conversation ids, channel and identity, author AGENT', () => {
    const reply = parseReply({
      customerKey: 'app1:contact-anna',
      type: 'SEND_TEXT',
      text: ' Hi Anna ',
    });
    expect(
      replyCommand(conversation, reply, { commandId: 'id1', now: 1234, agentId: 'agent-7' }),
    ).toEqual(
      expect.objectContaining({
        commandId: 'id1',
        createdAt: 1234,
        type: 'SEND_TEXT',
        appId: 'app1',
        contactId: 'contact-anna',
        conversationId: 'conv-anna',
        channel: 'WHATSAPP',
        identity: '+46700000001',
        author: 'AGENT',
        agentId: 'agent-7',
        text: 'Hi Anna',
        templateName: null,
        templateParameters: {},
      }),
    );
  });

  it('a template reply carries name, language and parameters, no text', () => {
    const reply = parseReply({
      customerKey: 'k',
      type: 'SEND_TEMPLATE',
      templateName: 'order_update',
      templateLanguage: 'en_US',
      templateParameters: { 'body[1]text': 'Anna' },
    });
    expect(replyCommand(conversation, reply, { commandId: 'id2', now: 1, agentId: null })).toEqual(
      expect.objectContaining({
        type: 'SEND_TEMPLATE',
        text: null,
        templateName: 'order_update',
        templateLanguage: 'en_US',
        templateParameters: { 'body[1]text': 'Anna' },
      }),
    );
  });

  it('a media reply carries the uploaded file URL; choices carry text, card title and buttons', () => {
    const media = parseReply({
      customerKey: 'k',
      type: 'SEND_MEDIA',
      mediaUrl: 'http://127.0.0.1:18084/public/abc?exp=1&sig=s',
      fileName: 'box.jpg',
    });
    expect(replyCommand(conversation, media, { commandId: 'm', now: 1, agentId: null })).toEqual(
      expect.objectContaining({
        type: 'SEND_MEDIA',
        text: null,
        mediaUrl: 'http://127.0.0.1:18084/public/abc?exp=1&sig=s',
        fileName: 'box.jpg',
        choices: [],
      }),
    );
    const choices = parseReply({
      customerKey: 'k',
      type: 'SEND_CHOICES',
      text: 'When?',
      title: 'Delivery',
      choices: [{ title: 'Today' }, { kind: 'URL', title: 'Track', url: 'https://e.com/t' }],
    });
    expect(replyCommand(conversation, choices, { commandId: 'c', now: 1, agentId: null })).toEqual(
      expect.objectContaining({
        type: 'SEND_CHOICES',
        text: 'When?',
        title: 'Delivery',
        mediaUrl: null,
        choices: [
          { kind: 'TEXT', title: 'Today', postbackData: null, url: null, phoneNumber: null },
          {
            kind: 'URL',
            title: 'Track',
            postbackData: null,
            url: 'https://e.com/t',
            phoneNumber: null,
          },
        ],
      }),
    );
  });

  it('end and consent actions carry no content', () => {
    for (const type of ['END_CONVERSATION', 'REGISTER_OPT_IN', 'REGISTER_OPT_OUT'] as const)
      expect(
        replyCommand(conversation, parseReply({ customerKey: 'k', type }), {
          commandId: type,
          now: 1,
          agentId: 'a',
        }),
      ).toEqual(expect.objectContaining({ type, text: null, mediaUrl: null, choices: [] }));
  });

  it("refuses what the conversation's channel cannot carry, by the domain table", () => {
    const sms = reduceConversation(undefined, {
      kind: 'event',
      customerKey: 'app1:tel:+15550000003',
      event: agentEvent('CONVERSATION_STARTED', { channel: 'SMS' }),
    });
    const image = parseReply({
      customerKey: 'k',
      type: 'SEND_MEDIA',
      mediaUrl: 'https://e.com/a.png',
    });
    expect(() => replyCommand(sms, image, { commandId: 'x', now: 1, agentId: null })).toThrow(
      'SEND_MEDIA cannot be sent on SMS',
    );
    const optIn = parseReply({ customerKey: 'k', type: 'REGISTER_OPT_IN' });
    expect(() => replyCommand(sms, optIn, { commandId: 'x', now: 1, agentId: null })).toThrow(
      InvalidReplyError,
    );
  });

  it.each([
    [{ customerKey: 'k', type: 'SEND_CHOICES', text: 'x', choices: [] }, /at least one choice/],
    [{ customerKey: 'k', type: 'SEND_MEDIA', mediaUrl: 'nope' }, /mediaUrl/],
    [{ customerKey: 'k', type: 'SEND_TEXT', text: '   ' }, /text is empty/],
    [
      { customerKey: 'k', type: 'SEND_TEMPLATE', templateName: '', templateLanguage: 'en_US' },
      /template name/,
    ],
    [{ customerKey: 'k', type: 'END_EVERYTHING' }, /type/],
    [{ type: 'SEND_TEXT', text: 'x' }, /customerKey/],
  ])('refuses %j with a typed error', (body, message) => {
    expect(() => parseReply(body)).toThrow(InvalidReplyError);
    expect(() => parseReply(body)).toThrow(message);
  });
});
