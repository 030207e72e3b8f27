// QEMU's firmware configuration device, fw_cfg (QEMU docs/specs/fw_cfg.txt,
// "Guest-side Hardware Interface"), by its x86 I/O ports: the selector at
// 0x510 and the data register at 0x511. Firmware and test kernels written
// for QEMU read it to learn the machine: its signature tells them they run
// on a QEMU-like VMM, then the RAM size and CPU count. tsvisor serves the
// traditional interface only:
//   selector (0x510, a 16-bit write, little-endian): chooses the item and
//     sets the data offset to 0. Bit 14 (FW_CFG_WRITE_CHANNEL) asks for
//     write mode, which names the same item; it is write-only, and reads
//     here answer all-ones as from no register.
//   data (0x511, byte reads): the selected item's byte at the data offset,
//     which then moves on by one; past the item's end, and for a selector
//     that names no item, it reads 0. Writes are ignored, as QEMU has done
//     since v2.4. Other widths are not part of the I/O interface: they
//     read all-ones and move nothing.
// No DMA interface: FW_CFG_ID says so (bit 1 clear), and port 0x514 (the
// DMA address register) is not claimed. Nor are there files: the file
// directory holds none, so firmware that looks for "etc/..." finds nothing.
// The items are built once, at VM build; a read allocates nothing.
import { PortDevice } from "../kernel/vm/port-bus";
import { Vm } from "../kernel/vm/vm";

export const FW_CFG_BASE: u32 = 0x510;
export const FW_CFG_BYTES: u32 = 2;
// Offsets in the range.
const SELECTOR: u32 = 0;
const DATA: u32 = 1;

// Selector keys (fw_cfg.txt, "Selector Register" and the well-known items).
export const FW_CFG_SIGNATURE: u32 = 0x0000;  // "QEMU"
export const FW_CFG_ID: u32 = 0x0001;         // u32 LE: interface feature bits
export const FW_CFG_RAM_SIZE: u32 = 0x0003;   // u64 LE: bytes of RAM
export const FW_CFG_NB_CPUS: u32 = 0x0005;    // u16 LE: CPUs present at boot
export const FW_CFG_MAX_CPUS: u32 = 0x000f;   // u16 LE: CPUs possible
export const FW_CFG_FILE_DIR: u32 = 0x0019;   // big-endian u32 count, then the files
const FW_CFG_WRITE_CHANNEL: u32 = 0x4000;
// FW_CFG_ID bit 0: the traditional (selector and data port) interface;
// bit 1, the DMA interface, stays clear.
const FW_CFG_VERSION_TRADITIONAL: u64 = 0x1;
const SIGNATURE: StaticArray<u8> = [0x51, 0x45, 0x4d, 0x55];  // 'Q' 'E' 'M' 'U'

class FwCfgItem {
  constructor(public key: u32, public data: StaticArray<u8>) {}
}

// `value` as `size` bytes, least significant first.
function littleEndian(value: u64, size: i32): StaticArray<u8> {
  const b = new StaticArray<u8>(size);
  for (let i = 0; i < size; i++) b[i] = <u8>(value >> (<u64>i * 8));
  return b;
}

export class FwCfg extends PortDevice {
  private items: Array<FwCfgItem> = new Array<FwCfgItem>();
  private selected: FwCfgItem | null = null;
  private offset: i32 = 0;

  // `cpus` both present and possible: the VM has no CPU hotplug.
  constructor(public vm: Vm, cpus: u32) {
    super();
    this.items.push(new FwCfgItem(FW_CFG_SIGNATURE, SIGNATURE));
    this.items.push(new FwCfgItem(FW_CFG_ID, littleEndian(FW_CFG_VERSION_TRADITIONAL, 4)));
    this.items.push(new FwCfgItem(FW_CFG_RAM_SIZE, littleEndian(vm.memory.size, 8)));
    this.items.push(new FwCfgItem(FW_CFG_NB_CPUS, littleEndian(<u64>cpus, 2)));
    this.items.push(new FwCfgItem(FW_CFG_MAX_CPUS, littleEndian(<u64>cpus, 2)));
    // FWCfgFiles: a count of 0 (big-endian, like every field of the
    // directory) and no FWCfgFile entries.
    this.items.push(new FwCfgItem(FW_CFG_FILE_DIR, new StaticArray<u8>(4)));
  }

  name(): string { return "fw-cfg"; }

  read(offset: u32, size: u32): u32 {
    if (offset != DATA || size != 1) return size == 4 ? 0xffffffff : (<u32>1 << (size * 8)) - 1;
    const item = this.selected;
    if (item === null || this.offset >= item.data.length) return 0;
    return <u32>item.data[this.offset++];
  }

  write(offset: u32, size: u32, value: u32): void {
    if (offset != SELECTOR || size != 2) return;
    this.select(value & 0xffff & ~FW_CFG_WRITE_CHANNEL);
  }

  private select(key: u32): void {
    this.selected = null;
    this.offset = 0;
    for (let i = 0; i < this.items.length; i++) {
      if (this.items[i].key == key) this.selected = this.items[i];
    }
  }
}
