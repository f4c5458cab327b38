/**
 * A decode worker thread (a Deno worker started by lib/data/decode_pool.ts): decodes one image file per job,
 * resizes it and cuts the requested crops or the whole image (lib/data/image_ops.ts), and sends the floats back
 * transferred, not copied. Errors go back as messages naming the file.
 */
/// <reference lib="deno.worker" />
import { cutCrop, decodeResized, wholeImage } from "./image_ops.ts";
import type { DecodeJob, DecodeReply } from "./decode_pool.ts";

self.onmessage = async (e: MessageEvent<DecodeJob>) => {
  const job = e.data;
  try {
    const img = await decodeResized(job.path, job.side);
    let data: Float32Array;
    if (job.kind === "crops") {
      const per = 3 * job.crops[0].crop * job.crops[0].crop;
      data = new Float32Array(job.crops.length * per);
      job.crops.forEach((c, i) => cutCrop(img, c, job.norm, data, i * per));
    } else {
      const per = 3 * img.h * img.w;
      data = new Float32Array(job.flips.length * per);
      job.flips.forEach((flip, i) => data.set(wholeImage(img, flip, job.norm), i * per));
    }
    const reply: DecodeReply = { id: job.id, data, h: img.h, w: img.w };
    self.postMessage(reply, [data.buffer as ArrayBuffer]);
  } catch (err) {
    const reply: DecodeReply = { id: job.id, error: (err as Error).message };
    self.postMessage(reply);
  }
};
