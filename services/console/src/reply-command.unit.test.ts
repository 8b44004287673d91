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

  it.each([
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
