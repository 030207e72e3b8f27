// What tsvisor run accepts as a guest's disk (tools/images/disk-file.ts),
// how the options attach it (planGuest), the boot module it becomes on the
// ISO, and the run command's usage errors for it, exit status 2 before
// anything is built.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkDisk, describeDisk, describeSize, MAX_DISK_BYTES, SECTOR_BYTES } from "../../tools/images/disk-file.js";
import { GuestFileError } from "../../tools/images/kernel-file.js";
import { planGuest, UsageError } from "../../tools/run/command.js";
import { machineMiB, KERNEL_GUEST_MACHINE_MIB, GUEST_RAM_MIB } from "../../tools/run/launch.js";
import { diskModuleString, guestModules } from "../../tools/builder/pipeline.js";
import { BuildError, grubCfg, stageIso } from "../../tools/builder/stages.js";

const ROOT = path.resolve(__dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-disk-file-"));
// A file of `size` bytes, sparse: a 1 GiB disk costs nothing here.
const disk = (name: string, size: number) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, "");
  fs.truncateSync(p, size);
  return p;
};
const tsvisor = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/tsvisor.mjs", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

// A multiboot v1 kernel: enough for --kernel to pass its check.
const kernel = (() => {
  const b = Buffer.alloc(8192);
  b.writeUInt32LE(0x1badb002, 0);
  b.writeUInt32LE(0, 4);
  b.writeUInt32LE((-0x1badb002) >>> 0, 8);
  const p = path.join(tmp, "multiboot.bin");
  fs.writeFileSync(p, b);
  return p;
})();

describe("a disk image", () => {
  it.each([
    ["one sector", SECTOR_BYTES],
    ["8 MiB", 8 << 20],
    ["exactly the limit, 1 GiB", MAX_DISK_BYTES],
  ])("of %s is accepted", (_what, size) => {
    expect(checkDisk(disk(`ok-${size}`, size))).toEqual({ size });
  });

  it.each([
    ["a missing path", () => path.join(tmp, "no-such-disk"), /^disk .*no-such-disk: no such file$/],
    ["a directory", () => tmp, /^disk .*: (is a directory|not a regular file)/],
    ["an empty file", () => disk("empty", 0), /^disk .*: the file is empty$/],
    ["a part sector", () => disk("odd", 1000), /^disk .*: 1000 bytes, not a whole number of 512-byte sectors/],
    ["a part sector past whole ones", () => disk("odd2", 8 * 512 + 1), /4097 bytes, not a whole number/],
    ["one sector over 1 GiB", () => disk("big", MAX_DISK_BYTES + SECTOR_BYTES), /1073742336 bytes, over the 1 GiB a disk may have/],
    ["2 GiB", () => disk("huge", 2 * MAX_DISK_BYTES), /2 GiB, over the 1 GiB/],
  ])("%s is refused, in one line", (_what, make, message) => {
    expect(() => checkDisk(make())).toThrow(GuestFileError);
    expect(() => checkDisk(make())).toThrow(message);
    try {
      checkDisk(make());
    } catch (e) {
      expect((e as Error).message).not.toMatch(/\n/);
    }
  });

  it("is described by size and mode", () => {
    expect(describeSize(8 << 20)).toBe("8 MiB");
    expect(describeSize(MAX_DISK_BYTES)).toBe("1 GiB");
    expect(describeSize(1536)).toBe("1536 bytes");
    expect(describeDisk("/d.img", 8 << 20, false)).toBe("disk: /d.img (8 MiB, read-write)");
    expect(describeDisk("/d.img", 8 << 20, true)).toBe("disk: /d.img (8 MiB, read-only)");
  });

  it("is read, never written, by the check", () => {
    const p = disk("untouched", 4096);
    const before = fs.statSync(p);
    checkDisk(p);
    expect(fs.statSync(p).mtimeMs).toBe(before.mtimeMs);
  });
});

describe("the options attach a disk", () => {
  const img = disk("attach.img", 1 << 20);

  it("--kernel with --disk attaches that file; without, none", () => {
    const p = planGuest({ kernel, disk: img });
    expect(p).toMatchObject({ kind: "kernel", disk: { file: img, readOnly: false } });
    expect(p.kind === "kernel" && p.notes).toContain(`disk: ${img} (1 MiB, read-write)`);
    expect(planGuest({ kernel, disk: img, diskReadonly: true })).toMatchObject({ disk: { file: img, readOnly: true } });
    expect(planGuest({ kernel })).toMatchObject({ kind: "kernel", disk: undefined });
  });

  it("--guest linux takes --disk instead of its default disk, which --disk-readonly alone makes read-only", () => {
    expect(planGuest({ guest: "linux", disk: img })).toMatchObject({ kind: "linux", disk: { file: img, readOnly: false } });
    expect(planGuest({ guest: "linux" })).toMatchObject({ kind: "linux", disk: undefined, diskReadOnly: false });
    expect(planGuest({ guest: "linux", diskReadonly: true })).toMatchObject({ kind: "linux", disk: undefined, diskReadOnly: true });
  });

  it.each([
    [{ disk: img }, /--disk needs a kernel to go with/],
    [{ guest: "none", disk: img }, /--disk needs a kernel .*--guest none is not a kernel/],
    [{ guest: "test:hello", disk: img }, /--disk needs a kernel .*--guest test:hello is not a kernel/],
    [{ guest: "test:hello", diskReadonly: true }, /--disk-readonly needs a kernel .*--guest test:hello is not a kernel/],
    [{ kernel, diskReadonly: true }, /--disk-readonly needs a disk to go with: give --disk FILE/],
  ])("%j is a usage error", (o, message) => {
    expect(() => planGuest(o)).toThrow(UsageError);
    expect(() => planGuest(o)).toThrow(message);
  });

  it("the machine gets as much more memory as the disk holds", () => {
    expect(machineMiB(undefined)).toBe(GUEST_RAM_MIB);
    expect(machineMiB({ kernel, cmdline: "" })).toBe(KERNEL_GUEST_MACHINE_MIB);
    expect(machineMiB({ kernel, cmdline: "", disk: { file: img, readOnly: false } })).toBe(KERNEL_GUEST_MACHINE_MIB + 1);
    const big = disk("machine-big", MAX_DISK_BYTES);
    expect(machineMiB({ kernel, cmdline: "", disk: { file: big, readOnly: true } })).toBe(KERNEL_GUEST_MACHINE_MIB + 1024);
  });

  it("guest_ram= on the hypervisor's command line gets the machine room for it: below the PCI hole up to 2 GiB, above 4 GiB beyond", () => {
    expect(machineMiB(undefined, "guest_ram=64")).toBe(64 + 512);
    expect(machineMiB(undefined, "guest_ram=1024")).toBe(1024 + 512);
    expect(machineMiB({ kernel, cmdline: "" }, "x=1 guest_ram=2048")).toBe(2048 + 512);
    // 4 GiB: the 3 GiB a PC keeps below the hole, then the guest's RAM in one run above 4 GiB.
    expect(machineMiB(undefined, "guest_ram=4096")).toBe(3072 + 4096 + 512);
    expect(machineMiB(undefined, "guest_ram=4096x")).toBe(GUEST_RAM_MIB);
  });
});

describe("the disk on the ISO", () => {
  const kg = { kernel: "/k", initrd: "/i", cmdline: "console=ttyS0" };

  it("is the last module, named disk, with the string `disk` or `disk ro`", () => {
    expect(diskModuleString(false)).toBe("disk");
    expect(diskModuleString(true)).toBe("disk ro");
    const rw = guestModules({ ...kg, disk: { file: "/d.img", readOnly: false } });
    expect(rw.map((m) => m.name)).toEqual(["kernel", "initrd", "cmdline", "disk"]);
    expect(rw[3]).toEqual({ name: "disk", file: "/d.img", string: "disk" });
    const ro = guestModules({ ...kg, disk: { file: "/d.img", readOnly: true } });
    expect(ro[3]).toEqual({ name: "disk", file: "/d.img", string: "disk ro" });
  });

  it("grub.cfg: the module string after the path; the other modules' strings are still their names", () => {
    const cfg = (readOnly: boolean) => grubCfg("", guestModules({ ...kg, disk: { file: "/d.img", readOnly } })).split("\n");
    expect(cfg(false)).toContain("  module2 /boot/modules/disk disk");
    expect(cfg(true)).toContain("  module2 /boot/modules/disk disk ro");
    expect(cfg(true)).toContain("  module2 /boot/modules/kernel kernel");
    expect(cfg(true)).toContain("  module2 /boot/modules/cmdline cmdline");
  });

  it.each(["disk; ro", "disk  ro", " disk", "disk ro ", 'disk "ro"', "disk $x", "disk\nro", ""])(
    "a module string grub.cfg would read otherwise (%j) is refused", (string) => {
      expect(() => stageIso("", [{ name: "disk", data: Buffer.from("x"), string }])).toThrow(BuildError);
      expect(() => stageIso("", [{ name: "disk", data: Buffer.from("x"), string }])).toThrow(/bad module string/);
    });
});

describe("tsvisor run refuses a bad disk before building (exit status 2)", () => {
  it.each([
    [["--disk", "x.img"], /--disk needs a kernel to go with: give --kernel FILE \(or --guest linux\)$/m],
    [["--guest", "test:hello", "--disk", "x.img"], /--disk needs a kernel .*; --guest test:hello is not a kernel/],
    [["--guest", "linux", "--disk", "/no/such/disk"], /^tsvisor run: disk \/no\/such\/disk: no such file$/m],
    [["--guest", "linux", "--disk", path.join(tmp, "cli-odd.img")], /cli-odd\.img: 1000 bytes, not a whole number of 512-byte sectors/],
    [["--kernel", kernel, "--disk-readonly"], /--disk-readonly needs a disk to go with/],
  ])("%j", (args, message) => {
    disk("cli-odd.img", 1000);
    const r = tsvisor("run", "--host", "qemu", ...(args as string[]));
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/booting|tsvisor build/);
    expect(r.status).toBe(2);
  });
});
