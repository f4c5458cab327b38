/**
 * The maintained bench tools' command lines: `--help` prints the tool's usage and exits before any work, and a
 * flag the tool does not know is an error that lists the ones it does (so a typo never starts an hour's run).
 */
export function handleArgs(usage: string, flags: string[], withValue: string[] = []): Record<string, string> {
  const args = Deno.args;
  const values: Record<string, string> = {};
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage.trim());
    Deno.exit(0);
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (withValue.includes(a)) {
      if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
        console.error(`${a} needs a value; see --help`);
        Deno.exit(2);
      }
      values[a] = args[++i];
    } else if (!flags.includes(a)) {
      console.error(
        `unknown option ${a}; the options are: ${[...flags, ...withValue].join(", ")} (see --help)`,
      );
      Deno.exit(2);
    }
  }
  return values;
}
