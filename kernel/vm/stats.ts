// Exit statistics of one VM: count and TSC ticks spent in the hypervisor,
// per exit kind, like `perf kvm stat`. Updated on the exit path without
// allocation.
import { ExitKind, exitKindName } from "./exit";
import { begin, endl, line, puts, putDec, putHex } from "../console/console";
import { SOURCE_GSI, SOURCE_LAPIC_TIMER, SOURCE_IPI, SOURCE_LAPIC_ERROR, SOURCE_MSI, SOURCE_NMI } from "./irq";

const N = <i32>ExitKind.Count;

export class ExitStats {
  // Off (exit_stats=off, kernel/run-guest.ts): the exit path neither times
  // nor counts exits, so that `npm run bench` can show what the accounting
  // costs; the table then says it was not kept.
  enabled: bool = true;
  counts: StaticArray<u64> = new StaticArray<u64>(N);
  ticks: StaticArray<u64> = new StaticArray<u64>(N);
  // Interrupts injected, by vector, and the input each came from (-1: none).
  injected: StaticArray<u64> = new StaticArray<u64>(256);
  injectedSource: StaticArray<i32> = new StaticArray<i32>(256);
  reinjected: u64 = 0;
  nmisDropped: u64 = 0;  // NMIs the vCPU could not be given (events.ts deliverNmi)   // events delivered again after an exit interrupted them
  halts: u64 = 0;        // HLTs the vCPU slept in
  asleepTicks: u64 = 0;  // TSC ticks spent asleep in them

  recordInjection(vector: u32, source: i32): void {
    unchecked(this.injected[vector & 0xff]++);
    unchecked(this.injectedSource[vector & 0xff] = source);
  }

  record(kind: ExitKind, ticks: u64): void {
    unchecked(this.counts[<i32>kind]++);
    unchecked(this.ticks[<i32>kind] += ticks);
  }

  total(): u64 {
    let n: u64 = 0;
    for (let i = 0; i < N; i++) n += this.counts[i];
    return n;
  }

  print(): void {
    if (!this.enabled) {
      line("exits by reason: not recorded (exit_stats=off)");
      this.printEvents();
      return;
    }
    line("exits by reason:");
    begin("  ");
    pad("reason", 20);
    puts("     count   total ticks    mean ticks");
    endl();
    for (let i = 0; i < N; i++) {
      const c = this.counts[i];
      if (c == 0) continue;
      begin("  ");
      pad(exitKindName(<ExitKind>i), 20);
      putDecRight(c, 10);
      putDecRight(this.ticks[i], 14);
      putDecRight(this.ticks[i] / c, 14);
      endl();
    }
    begin("  ");
    pad("total", 20);
    putDecRight(this.total(), 10);
    endl();
    this.printEvents();
  }

  private printEvents(): void {
    let any = false;
    for (let v = 0; v < 256; v++) if (this.injected[v] != 0) any = true;
    if (any) {
      line("interrupts injected by vector:");
      begin("  ");
      puts("vector  source        count");
      endl();
      for (let v = 0; v < 256; v++) {
        const n = this.injected[v];
        if (n == 0) continue;
        begin("  ");
        putHex(v, 2);
        puts("    ");
        putSource(this.injectedSource[v]);
        putDecRight(n, 11);
        endl();
      }
    }
    begin("interrupt windows: ");
    putDec(this.counts[<i32>ExitKind.InterruptWindow]);
    puts(", events re-injected: ");
    putDec(this.reinjected);
    puts(", HLT sleeps: ");
    putDec(this.halts);
    puts(" (");
    putDec(this.asleepTicks);
    puts(" ticks asleep)");
    endl();
  }
}

// An interrupt's source in the table's 8 columns: "IRQ  0", "GSI  2",
// "timer" (the local APIC's), "IPI", "error" or "-".
function putSource(src: i32): void {
  if (src < 0) pad("-", 8);
  else if (src == SOURCE_LAPIC_TIMER) pad("timer", 8);
  else if (src == SOURCE_IPI) pad("IPI", 8);
  else if (src == SOURCE_LAPIC_ERROR) pad("error", 8);
  else if (src == SOURCE_MSI) pad("MSI-X", 8);
  else if (src == SOURCE_NMI) pad("NMI", 8);
  else {
    const n = src >= SOURCE_GSI ? src - SOURCE_GSI : src;
    puts(src >= SOURCE_GSI ? "GSI " : "IRQ ");
    puts(n < 10 ? " " : "");
    putDec(n);
    puts("  ");
  }
}

function pad(s: string, width: i32): void {
  puts(s);
  for (let i = s.length; i < width; i++) puts(" ");
}

function decWidth(v: u64): i32 {
  let w = 1;
  while (v >= 10) { v /= 10; w++; }
  return w;
}

function putDecRight(v: u64, width: i32): void {
  for (let i = decWidth(v); i < width; i++) puts(" ");
  putDec(v);
}
