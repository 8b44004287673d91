import fc from 'fast-check';
import { msToIso } from './sinch-time';

describe('msToIso', () => {
  it('is Date.prototype.toISOString for every whole ms from 1970 to the end of 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(msToIso(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('is Date.prototype.toISOString at the edges: leap days, year ends, the epoch, year 10000 and before 1970', () => {
    for (const iso of [
      '1970-01-01T00:00:00.000Z',
      '2000-02-29T23:59:59.999Z',
      '2000-03-01T00:00:00.000Z',
      '2100-02-28T12:00:00.001Z',
      '2100-03-01T00:00:00.000Z',
      '2024-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999Z',
      '+010000-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
    ])
      expect(msToIso(Date.parse(iso))).toBe(iso);
    expect(msToIso(1.5)).toBe(new Date(1.5).toISOString()); // not whole: the builtin's rounding
  });
});
