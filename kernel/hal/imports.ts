// The HAL: the only door from the core to hardware. Every function here is a
// wasm import from module "hal". boot/hal.c implements them with one or two
// instructions each on bare metal; test/sim/hal.ts implements them in
// JavaScript for the unit tests. Pointer arguments (`usize`) are offsets into
// the core's own linear memory; the native side bounds-checks them.

// ---- port I/O (Intel SDM Vol. 1 §19, IN/OUT) ----
@external("hal", "inb") export declare function inb(port: u32): u32;
@external("hal", "inw") export declare function inw(port: u32): u32;
@external("hal", "inl") export declare function inl(port: u32): u32;
@external("hal", "outb") export declare function outb(port: u32, value: u32): void;
@external("hal", "outw") export declare function outw(port: u32, value: u32): void;
@external("hal", "outl") export declare function outl(port: u32, value: u32): void;

// ---- model-specific registers (SDM Vol. 2B RDMSR/WRMSR) ----
// The core reads only MSRs whose existence CPUID has shown: a missing MSR
// raises #GP in the hypervisor, which boot/ reports as a panic.
@external("hal", "rdmsr") export declare function rdmsr(msr: u32): u64;
@external("hal", "wrmsr") export declare function wrmsr(msr: u32, value: u64): void;
// RDMSR that survives a #GP: writes the value at `out` and returns 1, or
// returns 0 if the CPU has no such MSR. For MSRs whose existence CPUID only
// implies (a misreporting CPU or emulator then gets a report, not a panic).
@external("hal", "rdmsrSafe") export declare function rdmsrSafe(msr: u32, out: usize): u32;

// ---- CPUID (SDM Vol. 2A): writes EAX, EBX, ECX, EDX as four u32 at `out` ----
@external("hal", "cpuid") export declare function cpuid(leaf: u32, subleaf: u32, out: usize): void;

// ---- control registers CR0, CR2, CR3, CR4, CR8 (SDM Vol. 3A §2.5) ----
@external("hal", "readCr") export declare function readCr(n: u32): u64;
@external("hal", "writeCr") export declare function writeCr(n: u32, value: u64): void;

// ---- time stamp counter (SDM Vol. 2B RDTSC) ----
@external("hal", "rdtsc") export declare function rdtsc(): u64;

// ---- physical memory outside linear memory (identity-mapped low 4 GiB) ----
@external("hal", "physRead") export declare function physRead(dst: usize, phys: u64, len: u32): void;
@external("hal", "physWrite") export declare function physWrite(phys: u64, src: usize, len: u32): void;
// Zero `len` bytes of physical memory (guest RAM before the guest runs).
@external("hal", "physClear") export declare function physClear(phys: u64, len: u64): void;
// Copy `len` bytes between two physical ranges (a virtio disk's image in a
// boot module and the guest RAM a request names); the ranges do not overlap.
@external("hal", "physCopy") export declare function physCopy(dst: u64, src: u64, len: u64): void;

// Where the hypervisor's identity map of host memory ends (boot/entry32.S):
// 4 GiB, or 64 GiB with 1 GiB pages; every physical address the core
// reads, writes or places guest RAM at lies below it.
@external("hal", "identityMapEnd") export declare function identityMapEnd(): u64;

// ---- the CPU's random number generators (SDM Vol. 2B RDRAND, RDSEED) ----
// 64 random bits into linear memory at `out`; 1 if the CPU gave them
// (CF=1), 0 if it had none ready (CF=0: try again, SDM Vol. 1 §7.3.17).
// Only where CPUID says the instruction exists (identify.ts).
@external("hal", "rdrand64") export declare function rdrand64(out: usize): u32;
@external("hal", "rdseed64") export declare function rdseed64(out: usize): u32;

// ---- stop the processor until the next interrupt (HLT); with IF=0, for good ----
@external("hal", "halt") export declare function halt(): void;

// ---- the hypervisor's own interrupts (boot/host-irq.S) ----
// It runs with IF=0. Its local APIC timer uses HOST_TIMER_VECTOR; the
// entry only counts the interrupt, and the core sends the EOI
// (drivers/host/lapic.ts). Both return the count of host interrupts taken
// so far. haltWithInterrupts: STI; HLT; CLI — sleep until an interrupt.
// takeInterrupts: STI; NOP; CLI — take what is pending (after a guest exit
// caused by a host interrupt).
export const HOST_TIMER_VECTOR: u32 = 0xef;
export const HOST_SPURIOUS_VECTOR: u32 = 0xff;
@external("hal", "haltWithInterrupts") export declare function haltWithInterrupts(): u64;
@external("hal", "takeInterrupts") export declare function takeInterrupts(): u64;

// ---- device registers by physical address: one aligned 32-bit access ----
@external("hal", "mmioRead32") export declare function mmioRead32(phys: u64): u32;
@external("hal", "mmioWrite32") export declare function mmioWrite32(phys: u64, value: u32): void;

// ---- VMX (Intel SDM Vol. 3C §31, Vol. 2B VMX instructions) ----
// Status results: 0 VMsucceed, 1 VMfailInvalid, 2 VMfailValid (the error
// number is then in the VMCS field VM_INSTRUCTION_ERROR).
@external("hal", "vmxon") export declare function vmxon(regionPhys: u64): u32;
@external("hal", "vmxoff") export declare function vmxoff(): void;
@external("hal", "vmclear") export declare function vmclear(vmcsPhys: u64): u32;
@external("hal", "vmptrld") export declare function vmptrld(vmcsPhys: u64): u32;
// A failing VMREAD is a core bug (a field this CPU lacks): the native side panics.
@external("hal", "vmread") export declare function vmread(field: u32): u64;
@external("hal", "vmwrite") export declare function vmwrite(field: u32, value: u64): u32;
@external("hal", "invept") export declare function invept(type: u32, eptp: u64): u32;
// Enter the guest with the registers in `frame` (16 x u64: RAX RCX RDX RBX -
// RBP RSI RDI R8-R15); returns 0 after a VM exit with the guest's registers
// saved back into the frame, or the failed entry's status.
@external("hal", "vmEnter") export declare function vmEnter(frame: usize, resume: u32): u32;
// Writes GDTR base, IDTR base, TR selector and TR base (4 x u64) at `out`.
@external("hal", "hostTables") export declare function hostTables(out: usize): void;
// Benchmark baseline: when on, the native exit paths (VMX and SVM) resume
// CPUID exits and OUTs to port 0x80 at once, without calling the core
// (npm run bench).
@external("hal", "setBaselineExits") export declare function setBaselineExits(on: u32): void;
// Where the screen's EGA text buffer is (physical address, columns, rows,
// bytes per row; drivers/host/vga-text.ts), so that the native panic path
// (boot/panic.c) writes its last words there too.
@external("hal", "setPanicScreen") export declare function setPanicScreen(phys: u64, cols: u32, rows: u32, pitch: u32): void;
// XSETBV (SDM Vol. 2C): load extended control register `index` (0: XCR0).
// Needs CR4.OSXSAVE, which the core sets at boot where CPUID shows XSAVE.
// Returns 0, or 1 if the CPU refused the value with #GP: the native HAL
// survives that fault (boot/fault-fixups.S), since the value can be a
// guest's that passed the core's checks yet not this CPU's.
@external("hal", "xsetbv") export declare function xsetbv(index: u32, value: u64): u32;

// ---- SVM (AMD APM Vol. 2 §15) ----
// VMRUN the guest whose VMCB is at `guestVmcb` with the registers in `frame`
// (as for vmEnter; RAX and RSP are in the VMCB); returns after the #VMEXIT
// with the guest's registers saved back. `hostVmcb` holds the host's
// VMSAVE state meanwhile.
@external("hal", "svmRun") export declare function svmRun(frame: usize, guestVmcb: u64, hostVmcb: u64): void;
