// Linux's x86 boot protocol (Documentation/arch/x86/boot.rst, "The Real-Mode
// Kernel Header", and zero-page.rst): the offsets of the setup header in a
// bzImage and of the fields of boot_params (the "zero page") a boot loader
// fills. The setup header sits at the same offset, 0x1f1, in both.

// In the image (and in boot_params).
export const SETUP_SECTS: u32 = 0x1f1;      // u8: 512-byte setup sectors after the boot sector (0 means 4)
export const SYSSIZE: u32 = 0x1f4;          // u32: protected-mode code size in 16-byte units
export const BOOT_FLAG: u32 = 0x1fe;        // u16: 0xAA55
export const JUMP_OFFSET: u32 = 0x201;      // u8: the header ends at 0x202 + this
export const HEADER_MAGIC: u32 = 0x202;     // u32: "HdrS"
export const VERSION: u32 = 0x206;          // u16: protocol version
export const TYPE_OF_LOADER: u32 = 0x210;   // u8: 0xFF, "undefined" loader
export const LOADFLAGS: u32 = 0x211;        // u8
export const RAMDISK_IMAGE: u32 = 0x218;    // u32
export const RAMDISK_SIZE: u32 = 0x21c;     // u32
export const CMD_LINE_PTR: u32 = 0x228;     // u32
export const INITRD_ADDR_MAX: u32 = 0x22c;  // u32: highest address the initrd may end at
export const KERNEL_ALIGNMENT: u32 = 0x230; // u32
export const RELOCATABLE_KERNEL: u32 = 0x234; // u8
export const XLOADFLAGS: u32 = 0x236;       // u16
export const CMDLINE_SIZE: u32 = 0x238;     // u32: longest command line, without the NUL
export const PREF_ADDRESS: u32 = 0x258;     // u64
export const INIT_SIZE: u32 = 0x260;        // u32: memory the kernel needs from its load address

// Only in boot_params.
export const ACPI_RSDP_ADDR: u32 = 0x070;   // u64, protocol 2.14
export const E820_ENTRIES: u32 = 0x1e8;     // u8
export const E820_TABLE: u32 = 0x2d0;       // 128 entries of 20 bytes
export const BOOT_PARAMS_BYTES: u32 = 4096;

export const BOOT_FLAG_VALUE: u32 = 0xaa55;
export const HDRS: u32 = 0x53726448;        // "HdrS", little-endian
export const LOADER_UNDEFINED: u32 = 0xff;
export const LOADED_HIGH: u32 = 1 << 0;     // loadflags: protected-mode code at 0x100000 or above
export const XLF_KERNEL_64: u32 = 1 << 0;   // xloadflags: has the 64-bit entry at +0x200
export const ENTRY_64_OFFSET: u64 = 0x200;
// Protocol 2.12 brought xloadflags, which says whether the 64-bit entry is there.
export const MIN_VERSION: u32 = 0x020c;
