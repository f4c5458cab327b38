import { main, shutdown } from "./lib/cli/main.ts";
import { EXPERIMENTS } from "./experiments/index.ts";

const code = await main(Deno.args, EXPERIMENTS);
await shutdown();
Deno.exit(code);
