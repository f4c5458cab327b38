/** The PyTorch CPU peer of the bench: training steps of one of our models in torch (bench/torch_step.py). */
import type { NetSpec } from "../lib/models/network.ts";

export interface TorchStep {
  imagesPerSecond: number;
  threads: number;
  version: string;
}

/** PyTorch's images/s on the model `spec` at `batch` (median step over `seconds`), or null with the reason logged. */
export async function torchStep(
  python: string,
  spec: NetSpec,
  batch: number,
  seconds: number,
): Promise<TorchStep | null> {
  const cmd = new Deno.Command(python, {
    args: [new URL("./torch_step.py", import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = cmd.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify({ spec, batch, seconds })));
  await writer.close();
  const out = await cmd.output();
  if (!out.success) {
    console.log(`PyTorch peer skipped: ${new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)}`);
    return null;
  }
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}
