/** The decoded CIFAR-10 split files that the PyTorch peers read (bench/twin.ts, bench/studies/plateau_torch/run.ts). */
import { cacheRoot } from "../lib/util/paths.ts";

/** The newest decoded-cache file of a split (the caller's loadDataset has just made or checked it). */
export function newestDecoded(prefix: string): string {
  const dir = `${cacheRoot()}/datasets`;
  const hits = [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith(prefix) && e.name.endsWith(".bin"))
    .map((e) => ({
      path: `${dir}/${e.name}`,
      mtime: Deno.statSync(`${dir}/${e.name}`).mtime?.getTime() ?? 0,
    }))
    .sort((a, b) => b.mtime - a.mtime);
  if (!hits.length) throw new Error(`no decoded ${dir}/${prefix}* file`);
  return hits[0].path;
}
