// Progress reporting: a cli-progress bar per phase (sampling, rewarding, training) on a terminal,
// and one plain line per finished phase otherwise (CI logs, files), plus free-form log lines.
import cliProgress from 'cli-progress';

/** Where the trainer reports progress. */
export interface Progress {
  /** Starts a phase of `total` units (e.g. 'epoch 3 sampling', 4 batches). */
  begin(label: string, total: number): void;
  /** Advances the current phase. */
  tick(units?: number): void;
  /** Ends the current phase. */
  end(): void;
  /** Prints one line (an epoch summary, a warning). */
  log(line: string): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Output stream (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Bars or plain lines; default: bars when the stream is a TTY. */
  bars?: boolean;
}

/**
 * A progress reporter: bars on a TTY, plain lines otherwise.
 *
 * @example
 * const p = createProgress();
 * p.begin('epoch 0 sampling', 4); p.tick(); p.end();
 */
export function createProgress(opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  return (opts.bars ?? stream.isTTY === true) ? new BarProgress(stream) : new LineProgress(stream);
}

/**
 * A reporter that prints nothing (tests, library use).
 *
 * @example
 * new DDPOTrainer({ ..., progress: silentProgress });
 */
export const silentProgress: Progress = Object.freeze({
  begin() {},
  tick() {},
  end() {},
  log() {},
});

class LineProgress implements Progress {
  private label = '';
  private total = 0;
  private done = 0;
  private t0 = 0;
  constructor(private readonly stream: NodeJS.WritableStream) {}
  begin(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.done = 0;
    this.t0 = performance.now();
  }
  tick(units = 1): void {
    this.done += units;
  }
  end(): void {
    const s = (performance.now() - this.t0) / 1000;
    this.stream.write(`${this.label}: ${this.done}/${this.total} in ${s.toFixed(1)} s\n`);
  }
  log(line: string): void {
    this.stream.write(line + '\n');
  }
}

class BarProgress implements Progress {
  private bar: cliProgress.SingleBar | undefined;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  begin(label: string, total: number): void {
    this.bar?.stop();
    this.bar = new cliProgress.SingleBar(
      { format: `${label.padEnd(28)} [{bar}] {value}/{total} | {duration_formatted} (eta {eta_formatted})`, stream: this.stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0);
  }
  tick(units = 1): void {
    this.bar?.increment(units);
  }
  end(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
  log(line: string): void {
    this.stream.write(line + '\n');
  }
}
