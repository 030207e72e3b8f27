// A Linux bzImage, loaded by the x86 boot protocol's 64-bit entry
// (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"): the
// protected-mode kernel copied to its preferred address, a boot_params
// built from the image's own setup header, the e820 map, the command line
// and the initrd, and the vCPU started in 64-bit mode at load address +
// 0x200 with RSI = boot_params, over identity-mapped page tables,
// interrupts off.
//
// Why the 64-bit entry and not PVH: it is what a bzImage — the file every
// distribution ships and `qemu -kernel` takes — offers. The PVH entry needs
// the uncompressed vmlinux ELF (its ELF note) and a start-info block;
// the bzImage's own decompressor also does KASLR. The 16-bit real-mode
// entry would need a BIOS. Everything a kernel learns here it would learn
// from firmware: the memory map, the ACPI tables (acpi_rsdp_addr, and the
// RSDP in the EBDA as well), the command line.
import { GuestMemory } from "../vm/guest-memory";
import { InitialState, longModeState } from "../vm/initial-state";
import { buildIdentityPaging } from "../vm/identity-paging";
import { begin, endl, puts, putDec, putHex, putSize } from "../console/console";
import * as B from "./boot-params";
import { buildE820, lowRamTop } from "./e820";
import { copyToGuest, readModuleHead } from "./module-copy";
import { KernelArgs } from "./kernel-args";
import { BOOT_PARAMS_AT, CMDLINE_AT, IDENTITY_TABLES_AT, writeBiosDataArea } from "./low-memory";

const PAGE: u64 = 4096;
const FOUR_GIB: u64 = <u64>1 << 32;
// The part of the image the header lives in: the boot sector and the
// first setup sector (the header ends before 0x202 + 0x7f).
const HEADER_BYTES: u32 = 1024;
const image = memory.data(<i32>HEADER_BYTES);
const params = memory.data(<i32>B.BOOT_PARAMS_BYTES);

@inline function u8At(off: u32): u32 { return <u32>load<u8>(image + off); }
@inline function u16At(off: u32): u32 { return <u32>load<u16>(image + off); }
@inline function u32At(off: u32): u32 { return load<u32>(image + off); }

function reject(why: string): bool {
  begin("guest kernel rejected: ");
  puts(why);
  endl();
  return false;
}

// The image's first bytes, up to HEADER_BYTES, into `image` (the rest zeroed).
function readHeader(start: u64, size: u64): void {
  readModuleHead(image, HEADER_BYTES, start, size);
}

// True if the image carries the setup header's signatures. An image cut
// short after them is still a bzImage, for the loader to reject as
// truncated — not a flat image to run.
export function isBzImage(start: u64, size: u64): bool {
  if (size < <u64>(B.HEADER_MAGIC + 4)) return false;
  readHeader(start, size);
  return u16At(B.BOOT_FLAG) == B.BOOT_FLAG_VALUE && u32At(B.HEADER_MAGIC) == B.HDRS;
}

// Load it (isBzImage must have said yes) and fill the vCPU's start.
export function loadBzImage(mem: GuestMemory, args: KernelArgs, state: InitialState): bool {
  const size = args.imageSize;
  readHeader(args.imageStart, size);
  // The size first: the fields read after it must be the file's, not the
  // zeros past a truncated header.
  let sects = u8At(B.SETUP_SECTS);
  if (sects == 0) sects = 4; // the protocol's rule for old images
  const setupBytes = <u64>(sects + 1) * 512;
  const kernelBytes = <u64>u32At(B.SYSSIZE) * 16;
  if (setupBytes + kernelBytes > size) {
    begin("guest kernel rejected: truncated: the header says ");
    putDec(setupBytes + kernelBytes);
    puts(" bytes, the file has ");
    putDec(size);
    endl();
    return false;
  }
  const version = u16At(B.VERSION);
  if (version < B.MIN_VERSION) return reject("boot protocol older than 2.12: no 64-bit entry to use");
  if ((u16At(B.XLOADFLAGS) & B.XLF_KERNEL_64) == 0) return reject("not a 64-bit kernel (xloadflags has no XLF_KERNEL_64)");
  // Where it runs: its preferred address (for a relocatable kernel it may
  // be anywhere aligned to kernel_alignment; the decompressor moves itself
  // and, with KASLR, the kernel). It needs init_size bytes from there.
  const loadAt = load<u64>(image + B.PREF_ADDRESS);
  const initSize = <u64>u32At(B.INIT_SIZE);
  const align = <u64>u32At(B.KERNEL_ALIGNMENT);
  if (align != 0 && (align & (align - 1)) == 0 && (loadAt & (align - 1)) != 0) return reject("its preferred address is not aligned to its kernel_alignment");
  const top = lowRamTop(mem);
  if (loadAt < (<u64>1 << 20) || loadAt + initSize > top || !mem.contains(loadAt, initSize)) {
    begin("guest kernel does not fit: it needs ");
    putSize(initSize);
    puts(" from ");
    putHex(loadAt);
    puts(", guest RAM below 4 GiB ends at ");
    putHex(top);
    puts(": give more guest_ram");
    endl();
    return false;
  }
  if (!copyToGuest(mem, loadAt, args.imageStart + setupBytes, size - setupBytes)) return false;

  // The initrd: as high as it may go, below initrd_addr_max and the top of
  // the RAM below 4 GiB, above the kernel's working area.
  let initrdAt: u64 = 0;
  if (args.initrdSize != 0) {
    let limit = <u64>u32At(B.INITRD_ADDR_MAX) + 1;
    if (limit > top) limit = top;
    initrdAt = limit > args.initrdSize ? (limit - args.initrdSize) & ~(PAGE - 1) : 0;
    if (initrdAt < loadAt + initSize || !mem.contains(initrdAt, args.initrdSize)) {
      begin("the initrd (");
      putSize(args.initrdSize);
      puts(") does not fit between the kernel's ");
      putHex(loadAt + initSize);
      puts(" and ");
      putHex(limit);
      puts(": give more guest_ram");
      endl();
      return false;
    }
    if (!copyToGuest(mem, initrdAt, args.initrdStart, args.initrdSize)) return false;
  }

  const maxCmdline = version >= 0x0206 ? u32At(B.CMDLINE_SIZE) : 255;
  if (args.cmdlineLen > maxCmdline) {
    begin("guest command line rejected: ");
    putDec(args.cmdlineLen);
    puts(" bytes, the kernel takes at most ");
    putDec(maxCmdline);
    endl();
    return false;
  }
  if (!mem.write(CMDLINE_AT, args.cmdline, args.cmdlineLen + 1)) return false;

  // boot_params: zero, then the image's setup header at its own offset.
  memory.fill(params, 0, B.BOOT_PARAMS_BYTES);
  const headerEnd = 0x202 + u8At(B.JUMP_OFFSET);
  memory.copy(params + B.SETUP_SECTS, image + B.SETUP_SECTS, headerEnd - B.SETUP_SECTS);
  store<u8>(params + B.TYPE_OF_LOADER, <u8>B.LOADER_UNDEFINED);
  store<u8>(params + B.LOADFLAGS, <u8>(u8At(B.LOADFLAGS) | B.LOADED_HIGH));
  store<u32>(params + B.CMD_LINE_PTR, <u32>CMDLINE_AT);
  store<u32>(params + B.RAMDISK_IMAGE, <u32>initrdAt);
  store<u32>(params + B.RAMDISK_SIZE, <u32>args.initrdSize);
  store<u64>(params + B.ACPI_RSDP_ADDR, args.rsdp);
  store<u8>(params + B.E820_ENTRIES, <u8>buildE820(mem, params + B.E820_TABLE));
  if (!mem.write(BOOT_PARAMS_AT, params, B.BOOT_PARAMS_BYTES)) return false;
  if (!writeBiosDataArea(mem)) return false;

  // 64-bit mode over an identity map of the low 4 GiB, which holds the
  // kernel, boot_params, the command line and the initrd.
  const cr3 = buildIdentityPaging(mem, IDENTITY_TABLES_AT, FOUR_GIB);
  if (cr3 == 0) return false;
  longModeState(state, loadAt + B.ENTRY_64_OFFSET, cr3);
  state.rsi = BOOT_PARAMS_AT;

  begin("Linux: boot protocol ");
  putDec(version >> 8);
  puts(".");
  putDec((version & 0xff) / 10);
  putDec((version & 0xff) % 10);
  puts(", kernel at ");
  putHex(loadAt);
  puts(" (");
  putSize(initSize);
  puts(" working size), 64-bit entry ");
  putHex(loadAt + B.ENTRY_64_OFFSET);
  endl();
  if (args.initrdSize != 0) {
    begin("Linux: initrd ");
    putSize(args.initrdSize);
    puts(" at ");
    putHex(initrdAt);
    endl();
  }
  return true;
}
