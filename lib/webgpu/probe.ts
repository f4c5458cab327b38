// Exit status 0 when a WebGPU adapter exists on the API rectifiers uses (Vulkan on Linux unless
// RECTIFIERS_ALLOW_GL=1 or DENO_WEBGPU_BACKEND says otherwise), 1 otherwise: used by scripts/setup.sh.
import { chooseApi } from "./engine.ts";

const api = chooseApi();
const adapter = await navigator.gpu?.requestAdapter();
if (!adapter) {
  console.error(`no WebGPU adapter on ${api}`);
  Deno.exit(1);
}
console.log(`${adapter.info.description || adapter.info.vendor} (${api})`);
