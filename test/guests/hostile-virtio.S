/* hostile-virtio: a driver of the virtio-rng at 00:05.0 (kernel/virtio-devices.ts)
 * that breaks the split-virtqueue rules one at a time, as a buggy or
 * malicious guest would. Each case starts from a device reset and one
 * well-formed request — descriptor 0 a 64-byte device-writable buffer,
 * avail.ring[0] = 0, avail.idx = 1 — and changes one thing:
 *   notify before DRIVER_OK        ignored (§3.1.1): no NEEDS_RESET, nothing written;
 *   loop                           desc 0 -> 1 -> 0, NEXT set (§2.7.5.3.1);
 *   buffer at 0x40000000           1 GiB, far past the 16 MiB of RAM (§2.7.5);
 *   buffer across the end of RAM   128 bytes from 0xffffc0;
 *   buffer in the device's BAR     the device's own registers as a DMA target;
 *   length 0xffffffff              at a buffer that starts in RAM;
 *   indirect in indirect           (§2.7.5.3.1: "MUST NOT set ... within an indirect descriptor");
 *   indirect length 17             not a multiple of 16 (§2.7.5.3.1);
 *   queue size 3                   not a power of 2 (§2.7: "always a power of 2");
 *   used ring at the local APIC    0xfee00000, not RAM;
 *   used ring past the end of RAM  0x1000000: as a host address, inside the core's own memory;
 *   avail idx 9 ahead              more than the queue's 8 entries (§2.7.6);
 *   reset with an interrupt pending  the refusal's interrupt must not outlive a reset (§2.4.1);
 * and after each checks that device_status has DEVICE_NEEDS_RESET (§2.1.2:
 * the device "SHOULD set DEVICE_NEEDS_RESET"), that the configuration change
 * it then "MUST send" shows in the ISR (bit 1, §4.1.4.5), that the used
 * index stayed 0 and that not one byte of the rings, the buffers or the end
 * of RAM changed (all filled with a canary and compared with a copy taken
 * before the device was touched). Last, the request unchanged must come back:
 * used.ring[0] = {0, 64}, 64 bytes not all the same, a queue interrupt
 * (ISR bit 0), and nothing else written. Runs in flat 32-bit protected
 * mode, paging off, interrupts off (the device works inside the doorbell's
 * exit; the guest polls the used index anyway, with a bound).
 * tsvisor-cmdline: guest_mode=protected32 */
#include "guest.inc"
/* PCI configuration mechanism #1 (PCI 3.0 §3.2.2.3.2): enable bit 31, bus 0,
 * device 5 in bits 15:11, function 0, the register in bits 7:2. */
#define PCI_ADDRESS 0xcf8
#define PCI_DATA 0xcfc
#define RNG_CONFIG (0x80000000 | 5 << 11)
#define PCI_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_BAR0 0x10
#define RNG_ID 0x10441af4           /* vendor 0x1af4, device 0x1040 + 4 (entropy): virtio 1.2 §4.1.2.1 */
#define CMD_MEMORY_BUS_MASTER 0x6   /* Command bits 1 and 2 (PCI 3.0 §6.2.2) */
#define STS_INTERRUPT 0x8           /* Status bit 3: INTx asserted (PCI 3.0 §6.2.3) */
/* BAR0 as the hypervisor places it: 0xfe000000 + slot 5 * 32 KiB. */
#define BAR 0xfe028000
/* struct virtio_pci_common_cfg at BAR + 0 (§4.1.4.3). */
#define DEVICE_FEATURE_SELECT (BAR + 0x00)
#define DEVICE_FEATURE (BAR + 0x04)
#define DRIVER_FEATURE_SELECT (BAR + 0x08)
#define DRIVER_FEATURE (BAR + 0x0c)
#define DEVICE_STATUS (BAR + 0x14)
#define QUEUE_SELECT (BAR + 0x16)
#define QUEUE_SIZE (BAR + 0x18)
#define QUEUE_ENABLE (BAR + 0x1c)
#define QUEUE_DESC (BAR + 0x20)
#define QUEUE_DRIVER (BAR + 0x28)
#define QUEUE_DEVICE (BAR + 0x30)
#define ISR (BAR + 0x1000)          /* bit 0 queue, bit 1 configuration change (§4.1.4.5) */
#define NOTIFY0 (BAR + 0x3000)      /* queue 0's doorbell: queue_notify_off 0 x multiplier 4 (§4.1.4.4) */
/* device_status bits (§2.1). */
#define ACKNOWLEDGE 1
#define DRIVER 2
#define DRIVER_OK 4
#define FEATURES_OK 8
#define NEEDS_RESET 0x40
#define STARTED (ACKNOWLEDGE | DRIVER | FEATURES_OK)
/* Feature bits (§6): VERSION_1 is bit 32, bit 0 of word 1; RING_INDIRECT_DESC bit 28. */
#define F_VERSION_1_WORD1 1
#define F_INDIRECT_DESC (1 << 28)
/* Descriptor flags (§2.7.5). */
#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4
/* The queue, in guest RAM above 1 MiB, each part on its own page: a
 * descriptor table of 16-byte entries (§2.7.5), the available ring (flags,
 * idx, ring[]: §2.7.6), the used ring (flags, idx, ring[] of {id, len}:
 * §2.7.8), an indirect table and the buffers. */
#define QSIZE 8
#define DESC 0x100000
#define AVAIL 0x101000
#define USED 0x102000
#define INDIRECT 0x104000
#define BUF 0x106000
#define REGION 0x100000
#define REGION_BYTES 0x8000
#define RAM_END 0x1000000           /* test guests have 16 MiB */
#define TOP (RAM_END - 0x1000)
#define TOP_BYTES 0x1000
#define SNAP 0x200000               /* the copies compared after each case */
#define SNAP_TOP (SNAP + REGION_BYTES)
#define CANARY 0xa5a5a5a5

/* WRONG "text": the current case failed a check; say which. */
    .macro WRONG text
    call say_case
    PRINT32 "WRONG: \text"
    mov byte ptr [failed], 1
    mov byte ptr [case_bad], 1
    .endm

/* CASE "name": reset the device and lay out the well-formed request. */
    .macro CASE name
    .pushsection .rodata
9994: .asciz "\name"
    .popsection
    mov dword ptr [case_name], offset 9994b
    mov dword ptr [ok_text], offset msg_broken
    mov byte ptr [case_bad], 0
    call dev_reset
    call ring_clear
    .endm

/* DESC_SET table, i, addr, len, flags, next: descriptor i (§2.7.5). */
    .macro DESC_SET table, i, addr, len, flags, next
    mov dword ptr [\table + 16 * \i], \addr
    mov dword ptr [\table + 16 * \i + 4], 0
    mov dword ptr [\table + 16 * \i + 8], \len
    mov word ptr [\table + 16 * \i + 12], \flags
    mov word ptr [\table + 16 * \i + 14], \next
    .endm

/* GO features: snapshot memory, bring the device up to DRIVER_OK with
 * these features in word 0, ring the doorbell, expect DEVICE_NEEDS_RESET. */
    .macro GO features
    call snapshot
    mov eax, \features
    call dev_init
    call queue_setup
    call driver_ok_notify
    call expect_broken
    .endm

/* REFUSED: as GO, for a queue that queue_enable = 1 must refuse: it reads
 * back 0 (§4.1.4.3: the driver reads queue_enable to learn the state). */
    .macro REFUSED
    call snapshot
    xor eax, eax
    call dev_init
    call queue_setup
    call enable_refused
    mov dword ptr [ok_text], offset msg_refused
    call driver_ok_notify
    call expect_broken
    .endm

    .text
    .global _start
    .code32
_start:
    call guest_setup32
    cld
    mov dword ptr [case_name], offset name_pci
    mov dx, PCI_ADDRESS
    mov eax, RNG_CONFIG | PCI_ID
    out dx, eax
    mov dx, PCI_DATA
    in eax, dx
    cmp eax, RNG_ID
    je 1f
    WRONG "no virtio-rng (1af4:1044) at 00:05.0"
    jmp verdict
1:  mov dx, PCI_ADDRESS
    mov eax, RNG_CONFIG | PCI_BAR0
    out dx, eax
    mov dx, PCI_DATA
    in eax, dx
    and eax, 0xfffffff0             /* the address bits of a memory BAR (PCI 3.0 §6.2.5.1) */
    cmp eax, BAR
    je 2f
    WRONG "BAR0 is not at 0xfe028000"
    jmp verdict
2:  mov dx, PCI_ADDRESS
    mov eax, RNG_CONFIG | PCI_COMMAND
    out dx, eax
    mov dx, PCI_DATA
    mov ax, CMD_MEMORY_BUS_MASTER
    out dx, ax
    in ax, dx
    and ax, CMD_MEMORY_BUS_MASTER
    cmp ax, CMD_MEMORY_BUS_MASTER
    je 3f
    WRONG "Command did not keep Memory Space and Bus Master"
    jmp verdict
3:  PRINT32 "hostile-virtio: virtio-rng 1af4:1044 at 00:05.0, BAR0 0xfe028000, memory and bus master on"

    /* 1: a doorbell before DRIVER_OK. */
    CASE "notify before DRIVER_OK"
    call snapshot
    xor eax, eax
    call dev_init
    call queue_setup
    mov word ptr [NOTIFY0], 0
    cmp byte ptr [DEVICE_STATUS], STARTED
    je 1f
    WRONG "device_status changed"
1:  test byte ptr [ISR], 3
    jz 2f
    WRONG "an interrupt"
2:  call untouched
    cmp byte ptr [case_bad], 0
    jne 3f
    call say_case
    PRINT32 "ignored ok, memory untouched"
3:
    /* 2: a chain that loops. */
    CASE "loop"
    DESC_SET DESC, 0, BUF, 64, F_NEXT | F_WRITE, 1
    DESC_SET DESC, 1, BUF + 64, 64, F_NEXT | F_WRITE, 0
    GO 0

    /* 3: buffers not in RAM. */
    CASE "buffer at 0x40000000"
    mov dword ptr [DESC], 0x40000000
    GO 0
    CASE "buffer across the end of RAM"
    mov dword ptr [DESC], RAM_END - 64
    mov dword ptr [DESC + 8], 128
    GO 0
    CASE "buffer in the device's BAR"
    mov dword ptr [DESC], BAR
    GO 0

    /* 4: a length that wraps any 32-bit sum. */
    CASE "length 0xffffffff"
    mov dword ptr [DESC + 8], 0xffffffff
    GO 0

    /* 5: indirect tables that break §2.7.5.3.1, with RING_INDIRECT_DESC
     * accepted so that only the table itself is wrong. */
    CASE "indirect in indirect"
    DESC_SET DESC, 0, INDIRECT, 32, F_INDIRECT, 0
    DESC_SET INDIRECT, 0, BUF, 64, F_NEXT | F_WRITE, 1
    DESC_SET INDIRECT, 1, INDIRECT, 32, F_INDIRECT, 0
    GO F_INDIRECT_DESC
    CASE "indirect length 17"
    DESC_SET DESC, 0, INDIRECT, 17, F_INDIRECT, 0
    GO F_INDIRECT_DESC

    /* 6: queues queue_enable must refuse. */
    CASE "queue size 3"
    mov word ptr [q_size], 3
    REFUSED
    CASE "used ring at the local APIC"
    mov dword ptr [q_used], 0xfee00000
    REFUSED
    CASE "used ring past the end of RAM"
    mov dword ptr [q_used], RAM_END
    REFUSED

    /* 7: an available index a queue and one ahead. */
    CASE "avail idx 9 ahead"
    mov word ptr [AVAIL + 2], QSIZE + 1
    GO 0

    /* 8: a reset while the configuration change interrupt is pending:
     * after it the device may send nothing (§2.4.1: "MUST NOT send
     * notifications ... after indicating completion of the reset"), so the
     * ISR reads 0 and INTx is low. The INTx level is read in the Status
     * register first, as reading the ISR would clear it. */
    CASE "reset with an interrupt pending"
    mov word ptr [q_size], 3
    xor eax, eax
    call dev_init
    call queue_setup
    call pci_status
    test eax, STS_INTERRUPT
    jnz 1f
    WRONG "INTx not asserted after the refusal"
1:  mov byte ptr [DEVICE_STATUS], 0
    call pci_status
    test eax, STS_INTERRUPT
    jz 2f
    WRONG "INTx still asserted after the reset"
2:  cmp byte ptr [ISR], 0
    je 3f
    WRONG "the ISR is not 0 after the reset"
3:  cmp byte ptr [case_bad], 0
    jne 4f
    call say_case
    PRINT32 "INTx low and ISR 0 after the reset ok"
4:
    /* Last: the request as laid out, which the device must now serve. */
    CASE "well-formed request"
    call snapshot
    xor eax, eax
    call dev_init
    call queue_setup
    call driver_ok_notify
    call well_formed
verdict:
    VERDICT32

/* ---- one well-formed request, checked ---- */
well_formed:
    mov ecx, 1000000
1:  cmp word ptr [USED + 2], 1
    je 2f
    pause
    loop 1b
    WRONG "the used index did not reach 1"
    ret
2:  cmp dword ptr [USED + 4], 0
    je 3f
    WRONG "used.ring[0].id is not 0"
3:  cmp dword ptr [USED + 8], 64
    je 4f
    WRONG "used.ring[0].len is not 64"
4:  mov esi, BUF                    /* not all 64 bytes equal (the canary would be) */
    mov ecx, 63
    mov al, [esi]
5:  inc esi
    cmp al, [esi]
    jne 6f
    loop 5b
    WRONG "the 64 bytes are all the same"
6:  cmp byte ptr [DEVICE_STATUS], STARTED | DRIVER_OK
    je 7f
    WRONG "device_status is not DRIVER_OK without NEEDS_RESET"
7:  test byte ptr [ISR], 1
    jnz 8f
    WRONG "no queue interrupt (ISR bit 0)"
8:  /* What the device was to write goes into the copy; then nothing else may differ. */
    mov esi, USED
    mov edi, SNAP + (USED - REGION)
    mov ecx, 3                      /* flags, idx, ring[0]: 12 bytes */
    rep movsd
    mov esi, BUF
    mov edi, SNAP + (BUF - REGION)
    mov ecx, 16
    rep movsd
    call compare
    cmp byte ptr [case_bad], 0
    jne 9f
    call say_case
    PRINT32 "64 random bytes back ok, nothing else written"
9:  ret

#include "virtio-driver.inc"
    .code16

    .section .rodata
msg_prefix: .asciz "hostile-virtio: "
msg_colon:  .asciz ": "
name_pci:   .asciz "PCI"
msg_broken: .asciz "NEEDS_RESET ok, memory untouched\n"
msg_refused: .asciz "queue_enable 0, NEEDS_RESET ok, memory untouched\n"

    .data
    .balign 4
case_name: .long 0
ok_text:   .long 0
q_desc:    .long 0
q_avail:   .long 0
q_used:    .long 0
q_size:    .word 0
case_bad:  .byte 0
