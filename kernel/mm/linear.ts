// The core's linear memory sits at a fixed, identity-mapped physical address
// (linker/README.md), so a page inside it has a physical address the CPU can
// use for VMCS, VMXON and EPT tables.
let linearBase: u64 = 0;

export function setLinearBase(base: u64): void {
  linearBase = base;
}

export function physOf(p: usize): u64 {
  return linearBase + <u64>p;
}

const PAGE: usize = 4096;

// A zeroed, page-aligned 4 KiB page, allocated once and never freed (the
// core's runtime has no GC: hardware structures are made at start-up).
export function allocPage(): usize {
  const raw = heap.alloc(PAGE * 2);
  const page = (raw + PAGE - 1) & ~(PAGE - 1);
  memory.fill(page, 0, PAGE);
  return page;
}

// `n` physically contiguous zeroed pages (the SVM I/O and MSR permission
// maps span 3 and 2 pages).
export function allocPages(n: usize): usize {
  const raw = heap.alloc(PAGE * (n + 1));
  const first = (raw + PAGE - 1) & ~(PAGE - 1);
  memory.fill(first, 0, PAGE * n);
  return first;
}
