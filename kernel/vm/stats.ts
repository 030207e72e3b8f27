// Exit statistics of one VM: count and TSC ticks spent in the hypervisor,
// per exit kind, like `perf kvm stat`. Updated on the exit path without
// allocation.
import { ExitKind, exitKindName } from "./exit";
import { begin, endl, line, puts, putDec } from "../console/console";

const N = <i32>ExitKind.Count;

export class ExitStats {
  counts: StaticArray<u64> = new StaticArray<u64>(N);
  ticks: StaticArray<u64> = new StaticArray<u64>(N);

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
