// Guest-physical places that are not guest RAM, for hostile drivers
// (test/sim/virtq-hostile.ts, virtq-misconfig.ts, virtq-random.ts): the VGA
// hole at 640-768 KiB, past RAM's end, above 4 GiB, wrapping past 2^64,
// and buffers that start in RAM but run past its end, into the hole, or
// on for up to 4 GiB (kernel/vm/guest-memory.ts has the layout; the BIOS
// area at 768 KiB-1 MiB is RAM there, which the guest may use).
import { RAM_BYTES } from "./virtq-harness.js";
import { Rng, below } from "./virtq-rings.js";
import { LEGACY_HOLE_START, BIOS_AREA_START } from "./virtq-spec.js";

const U64 = (1n << 64n) - 1n;
const RAM = BigInt(RAM_BYTES);

const down = (a: bigint, align: number) => a - (a % BigInt(align));

// A buffer (or table) that is not wholly in one guest RAM range (§2.7.5:
// buffers are guest-physical memory), its address and length multiples of `align`.
export function outsideRam(r: Rng, align = 1): { addr: bigint; len: number } {
  const up = (n: number) => Math.ceil(n / align) * align;
  const n = up(1 + below(r, 0x1000));
  // Across an edge, often by a byte or a few: where off-by-ones show.
  const small = () => (r() < 0.5 ? 1 + below(r, 4) : 1 + below(r, 0x1000));
  const straddle = (edge: number) => {
    const addr = down(BigInt(edge - small()), align);
    return { addr, len: up(edge - Number(addr) + small()) };
  };
  const anywhere = () => down(BigInt(below(r, RAM_BYTES)), align);
  const choices = [
    () => ({ addr: down(BigInt(LEGACY_HOLE_START + below(r, BIOS_AREA_START - LEGACY_HOLE_START)), align), len: n }), // in the VGA hole
    () => straddle(LEGACY_HOLE_START),                                                  // into the hole
    () => straddle(RAM_BYTES),                                                          // past RAM's end
    () => ({ addr: down(RAM + BigInt(below(r, 0x40000000)), align), len: n }),          // above RAM
    () => ({ addr: down((1n << 32n) + BigInt(below(r, 0x40000000)), align), len: n }), // above 4 GiB
    () => ({ addr: down(U64 - BigInt(below(r, 0x10000)), align), len: n }),             // wrapping past 2^64
    () => ({ addr: anywhere(), len: 0xffffffff - (0xffffffff % align) - align * below(r, 16) }), // up to 4 GiB long
    () => ({ addr: anywhere(), len: up(RAM_BYTES + below(r, 0x1000000)) }),            // longer than RAM
  ];
  return choices[below(r, choices.length)]();
}

// Where a ring of `len` bytes aligned to `align` is not wholly in RAM.
export function ringOutside(r: Rng, len: number, align: number): bigint {
  const straddles = Math.floor((len - 1) / align); // aligned places that cross an edge
  // Often by as little as the alignment allows.
  const cross = (edge: number) => BigInt(edge - align * (r() < 0.5 ? straddles : 1 + below(r, straddles)));
  const choices = [
    () => down(BigInt(LEGACY_HOLE_START + below(r, BIOS_AREA_START - LEGACY_HOLE_START)), align),
    () => down(RAM + BigInt(below(r, 0x40000000)), align),
    () => down(U64 - BigInt(below(r, 0x10000)), align),
    ...(straddles > 0 ? [() => cross(LEGACY_HOLE_START), () => cross(RAM_BYTES)] : []),
  ];
  return choices[below(r, choices.length)]();
}

