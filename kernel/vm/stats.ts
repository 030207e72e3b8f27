// Exit statistics: count and TSC ticks spent in the hypervisor, per exit
// kind, like `perf kvm stat`. Updated on the exit path without allocation.
import { ExitKind, exitKindName } from "./exit";
import { begin, endl, line, puts, putDec } from "../console/console";

const N = <i32>ExitKind.Count;
export const exitCounts = new StaticArray<u64>(N);
export const exitTicks = new StaticArray<u64>(N);

export function recordExit(kind: ExitKind, ticks: u64): void {
  exitCounts[<i32>kind]++;
  exitTicks[<i32>kind] += ticks;
}

export function totalExits(): u64 {
  let n: u64 = 0;
  for (let i = 0; i < N; i++) n += exitCounts[i];
  return n;
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

export function printExitTable(): void {
  line("exits by reason:");
  begin("  ");
  pad("reason", 20);
  puts("     count   total ticks    mean ticks");
  endl();
  for (let i = 0; i < N; i++) {
    const c = exitCounts[i];
    if (c == 0) continue;
    begin("  ");
    pad(exitKindName(<ExitKind>i), 20);
    putDecRight(c, 10);
    putDecRight(exitTicks[i], 14);
    putDecRight(exitTicks[i] / c, 14);
    endl();
  }
  begin("  ");
  pad("total", 20);
  putDecRight(totalExits(), 10);
  endl();
}
