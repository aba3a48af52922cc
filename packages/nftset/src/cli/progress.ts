/**
 * Progress on stderr. On a terminal a bar with rate and ETA is redrawn in
 * place. Otherwise a plain line is printed every 2 seconds and one when a
 * phase ends, and nothing at all with `--quiet`. Only large inputs show
 * progress, but the final summary of a command is printed with `line()`
 * whatever the size.
 */

/** Output stream of the progress: the part of `process.stderr` it uses. */
export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressOptions {
  stream: ProgressStream
  /** Print nothing at all. */
  quiet?: boolean
  /** Redraw a bar in place; default: whether the stream is a terminal. */
  tty?: boolean
  /** Clock in milliseconds, for tests. */
  now?: () => number
}

export type Unit = 'bytes' | 'elements'

/** Counts from which a phase shows progress: smaller inputs finish before a bar helps. */
export const LARGE: Record<Unit, number> = { bytes: 1 << 20, elements: 10_000 }

/** Milliseconds between two redraws of the bar. */
const REDRAW_MS = 100
/** Milliseconds between two plain progress lines. */
const LINE_MS = 2000

export class Progress {
  readonly #stream: ProgressStream
  readonly #quiet: boolean
  readonly #tty: boolean
  readonly now: () => number
  /** True while a bar is drawn on the current line. */
  #drawn = false

  constructor(options: ProgressOptions) {
    this.#stream = options.stream
    this.#quiet = options.quiet ?? false
    this.#tty = options.tty ?? options.stream.isTTY === true
    this.now = options.now ?? (() => performance.now())
  }

  /** Starts a measurable phase, such as reading a file or validating its lines. */
  phase(label: string, total: number | undefined, unit: Unit): Phase {
    return new Phase(this, label, total, unit)
  }

  /**
   * Starts a phase that is one indivisible step, such as committing a batch:
   * only its elapsed time is shown, and a plain line when it starts.
   */
  step(label: string, large: boolean): Step {
    return new Step(this, label, large)
  }

  /** Prints a status line unless quiet. */
  line(text: string): void {
    if (!this.#quiet) this.#stream.write(`${text}\n`)
  }

  /** Prints a warning, also when quiet, on a line of its own below any bar. */
  warn(text: string): void {
    this.clear()
    this.#stream.write(`${text}\n`)
  }

  /** True when progress is redrawn in place. */
  get tty(): boolean {
    return this.#tty
  }

  get quiet(): boolean {
    return this.#quiet
  }

  /** Redraws the current line on a terminal. */
  draw(text: string): void {
    if (this.#quiet || !this.#tty) return
    const width = this.#stream.columns || 80
    const fitted = text.length >= width ? text.slice(0, width - 1) : text
    this.#stream.write(`\r${fitted}\x1b[K`)
    this.#drawn = true
  }

  /** Clears the line a bar was drawn on. */
  clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K')
    this.#drawn = false
  }

  /** Width available for a bar: what the terminal leaves after `text`, at most 40. */
  barWidth(text: string): number {
    const width = this.#stream.columns || 80
    return Math.min(40, width - text.length - 4)
  }
}

/** A phase with a known or unknown amount of work. */
export class Phase {
  readonly #progress: Progress
  readonly #label: string
  readonly #total: number | undefined
  readonly #unit: Unit
  readonly #started: number
  #done = 0
  #lastDraw = -Infinity
  #lastLine: number

  constructor(progress: Progress, label: string, total: number | undefined, unit: Unit) {
    this.#progress = progress
    this.#label = label
    this.#total = total
    this.#unit = unit
    this.#started = progress.now()
    this.#lastLine = this.#started
  }

  /** True once the phase is large enough to show progress. */
  get large(): boolean {
    return Math.max(this.#total ?? 0, this.#done) >= LARGE[this.#unit]
  }

  /** Records that `done` units of work are complete. */
  update(done: number): void {
    this.#done = done
    if (!this.large || this.#progress.quiet) return
    const now = this.#progress.now()
    if (this.#progress.tty) {
      if (now - this.#lastDraw >= REDRAW_MS) {
        this.#lastDraw = now
        this.#progress.draw(this.#bar(now))
      }
      return
    }
    if (now - this.#lastLine >= LINE_MS && (this.#total === undefined || done < this.#total)) {
      this.#lastLine = now
      this.#progress.line(this.#status(now))
    }
  }

  /** Ends the phase; a large phase prints how long it took. */
  finish(): void {
    if (!this.large) return
    const now = this.#progress.now()
    const elapsed = now - this.#started
    this.#progress.clear()
    const rate = formatRate(this.#done, elapsed, this.#unit)
    const amount = formatAmount(this.#done, this.#unit)
    this.#progress.line(`${this.#label}: ${amount} in ${formatSeconds(elapsed)} (${rate})`)
  }

  /** `label [=====>    ] 45% 450,000/1,000,000 elements 830,000 elements/s ETA 1s`. */
  #bar(now: number): string {
    const elapsed = now - this.#started
    const rate = formatRate(this.#done, elapsed, this.#unit)
    if (!this.#total) {
      return `${this.#label} ${formatAmount(this.#done, this.#unit)} ${rate}`
    }
    const fraction = Math.min(1, this.#done / this.#total)
    const amounts = formatOf(this.#done, this.#total, this.#unit)
    const tail = ` ${Math.floor(fraction * 100)}% ${amounts} ${rate}${eta(this.#done, this.#total, elapsed)}`
    const width = this.#progress.barWidth(this.#label + tail)
    // A terminal too narrow for a readable bar gets the numbers only.
    if (width < 10) return `${this.#label}${tail}`
    const filled = Math.floor(fraction * width)
    const bar = '='.repeat(filled) + (filled < width ? '>' : '') + ' '.repeat(Math.max(0, width - filled - 1))
    return `${this.#label} [${bar}]${tail}`
  }

  /** `label: 450,000/1,000,000 elements (45%, 830,000 elements/s, ETA 1s)`. */
  #status(now: number): string {
    const elapsed = now - this.#started
    const rate = formatRate(this.#done, elapsed, this.#unit)
    if (!this.#total) {
      return `${this.#label}: ${formatAmount(this.#done, this.#unit)} (${rate})`
    }
    const percent = Math.floor((this.#done * 100) / this.#total)
    const amounts = formatOf(this.#done, this.#total, this.#unit)
    return `${this.#label}: ${amounts} (${percent}%, ${rate}${eta(this.#done, this.#total, elapsed, ', ')})`
  }
}

/** A phase that cannot be measured in parts: shows elapsed time only. */
export class Step {
  readonly #progress: Progress
  readonly #label: string
  readonly #started: number
  readonly #timer: NodeJS.Timeout | undefined

  constructor(progress: Progress, label: string, large: boolean) {
    this.#progress = progress
    this.#label = label
    this.#started = progress.now()
    if (!large || progress.quiet) return
    if (progress.tty) {
      const draw = () => progress.draw(`${label}... ${formatSeconds(progress.now() - this.#started)}`)
      draw()
      this.#timer = setInterval(draw, 250)
      this.#timer.unref()
    } else {
      progress.line(`${label}...`)
    }
  }

  /** Milliseconds since the step started. */
  get elapsed(): number {
    return this.#progress.now() - this.#started
  }

  /** Stops the timer and clears the line it drew. */
  end(): void {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer)
      this.#progress.clear()
    }
  }

  get label(): string {
    return this.#label
  }
}

/** Whole numbers with thousands separators: `1,000,000`. */
export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US')
}

/** `1 element`, `2 elements`: a count with its noun, singular for one. */
export function formatCountOf(count: number, noun: string): string {
  return `${formatCount(count)} ${count === 1 ? noun : `${noun}s`}`
}

/** Bytes in decimal units: `512 B`, `14.2 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

function formatAmount(count: number, unit: Unit): string {
  return unit === 'bytes' ? formatBytes(count) : formatCountOf(count, 'element')
}

function formatOf(done: number, total: number, unit: Unit): string {
  return unit === 'bytes'
    ? `${formatBytes(done)}/${formatBytes(total)}`
    : `${formatCount(done)}/${formatCount(total)} elements`
}

function formatRate(done: number, elapsedMs: number, unit: Unit): string {
  const perSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0
  return unit === 'bytes' ? `${formatBytes(Math.round(perSecond))}/s` : `${formatCount(perSecond)} elements/s`
}

/** ` ETA 1m05s` from the average rate so far; empty until there is a rate. */
function eta(done: number, total: number, elapsedMs: number, separator = ' '): string {
  if (done <= 0 || done >= total || elapsedMs <= 0) return ''
  const left = ((total - done) * elapsedMs) / done
  return `${separator}ETA ${formatSeconds(left)}`
}

/** Seconds for people: `0.4s`, `12s`, `3m05s`. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000
  if (seconds < 10) return `${seconds.toFixed(1)}s`
  if (seconds < 60) return `${Math.round(seconds)}s`
  const whole = Math.round(seconds)
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
}
