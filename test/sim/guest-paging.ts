// A guest's own 4-level page tables (IA-32e paging: Intel SDM Vol. 3A §5.5,
// AMD APM Vol. 2 §5.3), written entry by entry into simulated guest RAM, for
// tests of the hypervisor's walk of them (kernel/vm/guest-walk.ts). Each
// table is a fresh 4 KiB page taken from `tablesAt` upwards.

// Entry bits (SDM Vol. 3A Tables 5-15 to 5-20).
export const PTE_P = 1n;
export const PTE_RW = 1n << 1n;
export const PTE_US = 1n << 2n;
export const PTE_PS = 1n << 7n;     // in a PDPTE: 1 GiB page; in a PDE: 2 MiB page
export const PTE_PAT = 1n << 7n;    // in a PTE, the same bit is PAT, not a page size
export const PTE_XD = 1n << 63n;
const TABLE = PTE_P | PTE_RW | PTE_US;

export type PageSize = "4K" | "2M" | "1G";
export const PAGE_BYTES: Record<PageSize, bigint> = { "4K": 0x1000n, "2M": 0x200000n, "1G": 0x40000000n };
// The level the leaf sits at: 3 PML4, 2 PDPT, 1 PD, 0 PT.
const LEAF_LEVEL: Record<PageSize, number> = { "4K": 0, "2M": 1, "1G": 2 };

export const index = (linear: bigint, level: number) => Number((linear >> BigInt(12 + 9 * level)) & 0x1ffn);

export class GuestPageTables {
  private next: number;
  readonly cr3: bigint;

  constructor(private readonly ram: Uint8Array, tablesAt: number) {
    this.next = tablesAt;
    this.cr3 = BigInt(this.newTable());
  }

  private get view(): DataView {
    return new DataView(this.ram.buffer, this.ram.byteOffset, this.ram.byteLength);
  }

  private newTable(): number {
    const t = this.next;
    this.ram.fill(0, t, t + 4096);
    this.next += 4096;
    return t;
  }

  read(gpa: number): bigint {
    return this.view.getBigUint64(gpa, true);
  }

  write(gpa: number, v: bigint): void {
    this.view.setBigUint64(gpa, v, true);
  }

  // Where the entry of `level` for `linear` lives, making the tables above it.
  entryAddress(linear: bigint, level: number): number {
    let table = Number(this.cr3);
    for (let l = 3; l > level; l--) {
      const at = table + index(linear, l) * 8;
      let e = this.read(at);
      if ((e & PTE_P) === 0n) {
        e = BigInt(this.newTable()) | TABLE;
        this.write(at, e);
      }
      table = Number(e & 0x000ffffffffff000n);
    }
    return table + index(linear, level) * 8;
  }

  // Map the page holding `linear` to guest-physical `phys` (page-aligned);
  // `extra` bits go into the leaf entry. Returns the leaf entry's address.
  map(linear: bigint, phys: bigint, size: PageSize, extra = 0n): number {
    if (phys % PAGE_BYTES[size] !== 0n) throw new Error(`0x${phys.toString(16)} is not ${size}-aligned`);
    const at = this.entryAddress(linear, LEAF_LEVEL[size]);
    this.write(at, phys | PTE_P | PTE_RW | (size === "4K" ? 0n : PTE_PS) | extra);
    return at;
  }
}

// A canonical 64-bit linear address from its four table indices and offset:
// bits 63:48 copy bit 47 (SDM Vol. 1 §3.3.7.1).
export function linearOf(pml4: number, pdpt: number, pd: number, pt: number, offset: number): bigint {
  const a = (BigInt(pml4) << 39n) | (BigInt(pdpt) << 30n) | (BigInt(pd) << 21n) | (BigInt(pt) << 12n) | BigInt(offset);
  return (a & (1n << 47n)) !== 0n ? a | 0xffff000000000000n : a;
}
