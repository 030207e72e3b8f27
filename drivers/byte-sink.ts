// Where a device's output goes: a device model is handed one and never
// knows what is behind it (the hypervisor's guest console, or a test).
export abstract class ByteSink {
  abstract putc(c: u32): void;
}

// Where a device's input comes from, pulled when the guest looks: a device
// asks it to deliver what is waiting before it answers a read of its
// receive or status registers, so input costs nothing while the guest does
// not look (the hypervisor's console input, kernel/console/guest-input.ts).
export abstract class InputPump {
  abstract pump(): void;
}
