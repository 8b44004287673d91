/**
 * A progress line on stderr for long runs: done/total, rate and ETA, at most once a
 * second; with --json, the same as one JSON object per line.
 */
export class Progress {
  private readonly started = Date.now();
  private lastPrint = 0;
  done = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly json: boolean,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  add(n: number): void {
    this.done += n;
    if (Date.now() - this.lastPrint >= 1000) this.print(false);
  }

  get rate(): number {
    const seconds = (Date.now() - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  finish(): void {
    this.print(true);
  }

  private print(final: boolean): void {
    this.lastPrint = Date.now();
    const rate = Math.round(this.rate);
    const etaSeconds = rate > 0 ? Math.max(0, Math.round((this.total - this.done) / rate)) : null;
    if (this.json) {
      this.out.write(
        `${JSON.stringify({ progress: this.label, done: this.done, total: this.total, ratePerSecond: rate, etaSeconds, final })}\n`,
      );
      return;
    }
    const pct = this.total > 0 ? Math.min(100, Math.floor((100 * this.done) / this.total)) : 100;
    const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
    this.out.write(
      `${this.label} [${bar}] ${pct}% ${this.done}/${this.total} ${rate.toLocaleString('en-US')}/s ETA ${etaSeconds ?? '?'}s${final ? '\n' : '\r'}`,
    );
  }
}
