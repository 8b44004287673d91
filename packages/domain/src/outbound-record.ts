// The type lives in @cpm/contracts; this module keeps the path that domain's test kit imports.
export type { OutboundRecord, OutboundOutcome, OutboundCommandType } from '@cpm/contracts';
