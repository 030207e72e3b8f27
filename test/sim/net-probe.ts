// The built-in host of the guest's virtual Ethernet (drivers/net/responder.ts)
// on a fresh instance of the shipped core.wasm, through its test probe
// (kernel/probes-net.ts): hand it a frame, get the reply frame back (or
// null) and why there was none. The bytes after the frame in the probe's
// input buffer are the caller's to choose (`after`), so a test can show
// that the reply never depends on them.
import { instantiate } from "./core.js";
import { SimHal } from "./hal.js";
import { skylakeX } from "./cpu-profiles.js";

interface NetProbe {
  memory: WebAssembly.Memory;
  probeNetInput(): number;
  probeNetOutput(): number;
  probeNetAnswer(len: number): number;
  probeNetLastDrop(): number;
  probeNetDrops(reason: number): bigint;
  probeNetReset(): void;
}

export const BUFFER_BYTES = 4096;
// What the output buffer holds before each frame: any byte of it past the
// reply's end that changed was written past the reply.
const CANARY = 0xa5;

export interface Answer {
  reply: Uint8Array | null;
  drop: number;            // DropReason; 0 when there is a reply
  wrotePastReply: boolean; // a byte of the output buffer past the reply changed
}

export class NetHost {
  private readonly c: NetProbe;

  constructor() {
    this.c = instantiate(new SimHal(skylakeX)) as unknown as NetProbe;
  }

  // `frame` as the guest sent it, followed in the buffer by `after` (up to
  // the buffer's end; the rest zero).
  answer(frame: Uint8Array, after: Uint8Array = new Uint8Array(0)): Answer {
    const input = new Uint8Array(this.c.memory.buffer, this.c.probeNetInput(), BUFFER_BYTES);
    input.fill(0);
    input.set(frame);
    input.set(after.subarray(0, BUFFER_BYTES - frame.length), frame.length);
    const output = new Uint8Array(this.c.memory.buffer, this.c.probeNetOutput(), BUFFER_BYTES);
    output.fill(CANARY);
    const n = this.c.probeNetAnswer(frame.length);
    const out = new Uint8Array(this.c.memory.buffer, this.c.probeNetOutput(), BUFFER_BYTES);
    return {
      reply: n === 0 ? null : out.slice(0, n),
      drop: this.c.probeNetLastDrop(),
      wrotePastReply: out.subarray(n).some((b) => b !== CANARY),
    };
  }

  // Frames dropped for `reason` since the last reset; reason 0: frames answered.
  count(reason: number): number {
    return Number(this.c.probeNetDrops(reason));
  }

  reset(): void {
    this.c.probeNetReset();
  }
}
