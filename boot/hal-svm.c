/*
 * SVM for the core's HAL (kernel/hal/imports.ts): VMRUN through the
 * trampoline. Everything else SVM needs is an MSR write or a VMCB field,
 * and the VMCB lives in the core's own linear memory.
 */
#include "core.h"
#include "native.h"
#include "layout.h" /* FRAME_BYTES, from kernel/vm/frame.ts */

extern Z_core_instance_t tsvisor_core;
void svm_run(uint64_t* frame, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa);

void Z_halZ_svmRun(struct Z_hal_instance_t* h, u32 frame, u64 guest_vmcb_pa, u64 host_vmcb_pa) {
    (void)h;
    if ((uint64_t)frame + FRAME_BYTES > tsvisor_core.w2c_memory.size || (frame & 7)) wasm_rt_trap(WASM_RT_TRAP_OOB);
    svm_run((uint64_t*)(tsvisor_core.w2c_memory.data + frame), guest_vmcb_pa, host_vmcb_pa);
}
