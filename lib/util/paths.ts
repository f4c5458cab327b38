/** Project-relative locations. RECTIFIERS_CACHE moves the cache (decoded datasets, downloads). */
export const PROJECT_ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname).replace(
  /\/$/,
  "",
);
export const SHARED_DATASETS = `${PROJECT_ROOT.replace(/\/[^/]+$/, "")}/shared/datasets`;

export function cacheRoot(): string {
  return Deno.env.get("RECTIFIERS_CACHE") ?? `${PROJECT_ROOT}/.cache`;
}
