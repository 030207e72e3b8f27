// The VM the exit handlers act on (one VM, one vCPU for now).
import { Vm } from "./vm";

let current: Vm | null = null;

export function setCurrentVm(vm: Vm): void {
  current = vm;
}

export function currentVm(): Vm {
  return current!;
}
