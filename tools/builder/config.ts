// Paths and flags of the build pipeline, in one place.
import { fileURLToPath } from "node:url";
import fs from "node:fs";
import path from "node:path";

// The repository root: the nearest directory upwards whose package.json is
// tsvisor's, whether this runs from source or from the esbuild bundle.
function findRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "tsvisor") return dir;
  }
  return process.cwd();
}

export const ROOT = process.env.TSVISOR_ROOT ?? findRoot();
export const BUILD = path.join(ROOT, "build");
export const STAMPS = path.join(BUILD, ".stamps");
export const CORE_WASM = path.join(BUILD, "core.wasm");
export const CORE_WAT = path.join(BUILD, "core.wat");
export const WASM2C_DIR = path.join(BUILD, "wasm2c");
export const OBJ_DIR = path.join(BUILD, "obj");
export const ELF = path.join(BUILD, "tsvisor.elf");
export const ISO = path.join(BUILD, "tsvisor.iso");
export const ISO_DIR = path.join(BUILD, "iso");
// Headers generated from the kernel's sources for boot/ (tools/builder/layout.ts).
export const GENERATED_DIR = path.join(BUILD, "generated");
export const LAYOUT_H = path.join(GENERATED_DIR, "layout.h");
export const BUILD_INFO_TS = path.join(ROOT, "kernel", "generated", "build-info.ts");
export const FONT_TS = path.join(ROOT, "kernel", "generated", "font.ts");

// The core's linear memory: at most 512 wasm pages (32 MiB). The linker
// reserves exactly this much (WASM_MEMORY_SIZE), and boot/wasm-rt.c refuses
// a module whose maximum exceeds it.
export const WASM_MAX_PAGES = 512;
export const WASM_MEMORY_SIZE = WASM_MAX_PAGES * 65536;

export const ASC_FLAGS = [
  "--runtime", "stub",          // bump allocator, no GC: nothing moves, nothing pauses on the exit path
  "-O3", "--converge",
  "--maximumMemory", String(WASM_MAX_PAGES),
  "--use", "abort=kernel/panic/coreAbort",
  "--disable", "nontrapping-f2i", // no float conversions in the core
];

// Native-code flags: -O3 (measured ~2% shorter exits on Bochs than -O2,
// npm run bench), freestanding, no SSE/x87 (guest FPU state is never
// touched, so exits need no FPU switching), no red zone (exception frames).
export const CFLAGS = [
  "-std=gnu11", "-O3", "-ffreestanding", "-fno-stack-protector", "-fno-pic", "-fno-pie",
  "-mno-red-zone", "-mgeneral-regs-only", "-mcmodel=small", "-fno-asynchronous-unwind-tables",
  "-Wall", "-Wextra", "-Wno-unused-parameter",
  // wasm2c runtime: guard pages instead of bounds checks and call-depth
  // counting (boot/address-space.c, boot/wasm-rt.c).
  "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1", "-DWASM_RT_USE_STACK_DEPTH_COUNT=0",
  "-DNDEBUG",
];

export const LDFLAGS = ["-nostdlib", "-static", "-z", "max-page-size=0x1000", "-z", "noexecstack"];
