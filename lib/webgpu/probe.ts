// Exit status 0 when a WebGPU adapter exists, 1 otherwise: used by scripts/setup.sh.
const adapter = await navigator.gpu?.requestAdapter();
if (!adapter) {
  console.error("no WebGPU adapter");
  Deno.exit(1);
}
console.log(adapter.info.description || adapter.info.vendor);
