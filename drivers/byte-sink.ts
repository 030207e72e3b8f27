// Where a device's output goes: a device model is handed one and never
// knows what is behind it (the hypervisor's guest console, or a test).
export abstract class ByteSink {
  abstract putc(c: u32): void;
}
