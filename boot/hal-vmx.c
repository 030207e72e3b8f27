/*
 * VMX instructions for the core's HAL (kernel/hal/imports.ts), one each.
 * Status results follow the SDM's conventions (Vol. 3C §31.2): 0 VMsucceed,
 * 1 VMfailInvalid (CF=1), 2 VMfailValid (ZF=1; the VMCS holds the error).
 */
#include "core.h"
#include "native.h"
#include "layout.h" /* FRAME_BYTES, from kernel/vm/frame.ts */

extern Z_core_instance_t tsvisor_core;
uint32_t vmx_enter(uint64_t* frame, uint32_t resume);

static u32 status(uint8_t cf, uint8_t zf) { return cf ? 1 : (zf ? 2 : 0); }

#define VMX_OP_MEM(name, insn)                                                  \
    u32 Z_halZ_##name(struct Z_hal_instance_t* h, u64 pa) {                     \
        (void)h; uint8_t cf, zf;                                                \
        __asm__ volatile(insn " %2; setc %0; setz %1"                           \
                         : "=r"(cf), "=r"(zf) : "m"(pa) : "cc", "memory");      \
        return status(cf, zf);                                                  \
    }
VMX_OP_MEM(vmxon, "vmxon")
VMX_OP_MEM(vmclear, "vmclear")
VMX_OP_MEM(vmptrld, "vmptrld")

void Z_halZ_vmxoff(struct Z_hal_instance_t* h) {
    (void)h; __asm__ volatile("vmxoff" : : : "cc", "memory");
}

/* A failed VMREAD/VMWRITE means the core named a field this CPU lacks: a core bug. */
static void field_failed(const char* op, u32 field) {
    panic_puts("\ntsvisor: PANIC: ");
    panic_puts(op);
    panic_puts(" of VMCS field ");
    panic_puthex(field);
    panic_puts(" failed\ntsvisor: machine halted\n");
    halt_forever();
}

u64 Z_halZ_vmread(struct Z_hal_instance_t* h, u32 field) {
    (void)h; u64 v; uint8_t cf, zf;
    __asm__ volatile("vmread %3, %0; setc %1; setz %2" : "=r"(v), "=r"(cf), "=r"(zf) : "r"((u64)field) : "cc");
    if (cf | zf) field_failed("VMREAD", field);
    return v;
}

u32 Z_halZ_vmwrite(struct Z_hal_instance_t* h, u32 field, u64 v) {
    (void)h; uint8_t cf, zf;
    __asm__ volatile("vmwrite %2, %3; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "r"(v), "r"((u64)field) : "cc");
    return status(cf, zf);
}

/* INVEPT with a descriptor of {EPTP, 0} (SDM Vol. 3C §30.3, INVEPT). */
u32 Z_halZ_invept(struct Z_hal_instance_t* h, u32 type, u64 eptp) {
    (void)h; uint8_t cf, zf;
    struct { u64 eptp, reserved; } desc = { eptp, 0 };
    __asm__ volatile("invept %2, %3; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(desc), "r"((u64)type) : "cc", "memory");
    return status(cf, zf);
}

u32 Z_halZ_vmEnter(struct Z_hal_instance_t* h, u32 frame, u32 resume) {
    (void)h;
    if ((uint64_t)frame + FRAME_BYTES > tsvisor_core.w2c_memory.size || (frame & 7)) wasm_rt_trap(WASM_RT_TRAP_OOB);
    return vmx_enter((uint64_t*)(tsvisor_core.w2c_memory.data + frame), resume);
}

/* The host's descriptor-table state the VMCS host-state area needs (SDM §25.5 / §24.5). */
void Z_halZ_hostTables(struct Z_hal_instance_t* h, u32 out) {
    (void)h;
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr, idtr;
    uint16_t tr;
    if ((uint64_t)out + 32 > tsvisor_core.w2c_memory.size) wasm_rt_trap(WASM_RT_TRAP_OOB);
    __asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(gdtr), "=m"(idtr), "=r"(tr));
    uint64_t* o = (uint64_t*)(tsvisor_core.w2c_memory.data + out);
    o[0] = gdtr.base;
    o[1] = idtr.base;
    o[2] = tr;
    /* TR base from its 16-byte system descriptor (SDM Vol. 3A Figure 8-4). */
    const uint64_t* d = (const uint64_t*)(uintptr_t)(gdtr.base + (tr & ~7u));
    o[3] = ((d[0] >> 16) & 0xFFFFFF) | (((d[0] >> 56) & 0xFF) << 24) | (d[1] << 32);
}

/* Benchmark baseline switch (boot/vmx-trampoline.S); the core decides when. */
extern uint8_t bench_baseline;
void Z_halZ_setBaselineExits(struct Z_hal_instance_t* h, u32 on) {
    (void)h; bench_baseline = on ? 1 : 0;
}
