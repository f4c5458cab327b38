import { main, shutdown } from "./lib/cli/main.ts";

const code = await main(Deno.args);
await shutdown();
Deno.exit(code);
