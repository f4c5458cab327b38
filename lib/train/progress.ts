/** Progress: a bar redrawn in place on a terminal, one line per epoch otherwise (logs, CI). */
export type ProgressMode = "auto" | "bar" | "lines" | "none";

export interface StepStatus {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export class Progress {
  private readonly mode: Exclude<ProgressMode, "auto">;
  private readonly encoder = new TextEncoder();
  private barShown = false;

  constructor(mode: ProgressMode = "auto", private readonly log: (line: string) => void = console.log) {
    this.mode = mode === "auto" ? (Deno.stdout.isTerminal() ? "bar" : "lines") : mode;
  }

  step(s: StepStatus): void {
    if (this.mode !== "bar") return;
    const width = 24;
    const filled = Math.round((width * s.step) / s.steps);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const line = `epoch ${s.epoch + 1}/${s.epochs} [${bar}] ${s.step}/${s.steps} loss ${s.loss.toFixed(4)} ` +
      `${s.imagesPerSecond.toFixed(0)} img/s ETA ${formatDuration(s.etaSeconds)}`;
    Deno.stdout.writeSync(this.encoder.encode(`\r${line.padEnd(100)}`));
    this.barShown = true;
  }

  /** A line that must stay visible (epoch summaries, evaluations). */
  line(text: string): void {
    if (this.mode === "none") return;
    if (this.barShown) {
      Deno.stdout.writeSync(this.encoder.encode("\r" + " ".repeat(100) + "\r"));
      this.barShown = false;
    }
    this.log(text);
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
