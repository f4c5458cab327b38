/** Project-relative locations. RECTIFIERS_CACHE moves the cache (decoded datasets, downloads). */
export const PROJECT_ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname).replace(
  /\/$/,
  "",
);
/** Datasets a machine may already hold beside the checkout (../shared/datasets); RECTIFIERS_SHARED_DATASETS moves it. */
export function sharedDatasets(): string {
  return Deno.env.get("RECTIFIERS_SHARED_DATASETS") ??
    `${PROJECT_ROOT.replace(/\/[^/]+$/, "")}/shared/datasets`;
}

export function cacheRoot(): string {
  return Deno.env.get("RECTIFIERS_CACHE") ?? `${PROJECT_ROOT}/.cache`;
}
