// The Linux guest's images (tools/images/): the cache's place, the kernel
// package apt names, the module load order, the initramfs as the kernel
// will unpack it, the boot modules and grub.cfg a kernel guest gets, and
// the `tsvisor guest linux` command.
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { cacheRoot } from "../../tools/images/cache.js";
import { parseKernelDepends } from "../../tools/images/apt.js";
import { loadOrder, moduleName } from "../../tools/images/kernel-modules.js";
import { initScript, READY_MARKER } from "../../tools/images/initramfs.js";
import { linuxGuest, LinuxGuest } from "../../tools/images/linux.js";
import { linuxDisk, LinuxDisk } from "../../tools/images/linux-disk.js";
import { ImageError } from "../../tools/images/exec.js";
import { findCommand } from "../../tools/builder/system-tools.js";
import { guestModules, kernelGuestCmdline } from "../../tools/builder/pipeline.js";
import { grubCfg, writeIsoTree } from "../../tools/builder/stages.js";
import { runTimeout, planGuest } from "../../tools/run/command.js";

const ROOT = path.resolve(__dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-linux-image-"));

let guest: LinuxGuest;
let disk: LinuxDisk;
let archive: Buffer; // the initramfs, gunzipped
let unpacked: string;
beforeAll(() => {
  guest = linuxGuest();
  disk = linuxDisk();
  archive = zlib.gunzipSync(fs.readFileSync(guest.initrd));
  unpacked = path.join(tmp, "initramfs");
  fs.mkdirSync(unpacked);
  const r = spawnSync("cpio", ["-id", "--quiet", "--no-absolute-filenames"], { cwd: unpacked, input: archive });
  expect(r.status).toBe(0);
}, 600_000);

describe("the cache", () => {
  it("is $TSVISOR_CACHE, else $XDG_CACHE_HOME/tsvisor, else ~/.cache/tsvisor", () => {
    expect(cacheRoot({ TSVISOR_CACHE: "/c", XDG_CACHE_HOME: "/x" })).toBe("/c");
    expect(cacheRoot({ XDG_CACHE_HOME: "/x" })).toBe("/x/tsvisor");
    expect(cacheRoot({ XDG_CACHE_HOME: "relative" })).toBe(path.join(os.homedir(), ".cache", "tsvisor"));
    expect(cacheRoot({})).toBe(path.join(os.homedir(), ".cache", "tsvisor"));
  });

  it("holds one folder per kernel version with the kernel, the initramfs and a manifest", () => {
    expect(guest.dir).toBe(path.join(cacheRoot(), "linux", guest.version));
    expect(guest.version).toMatch(/^\d+\.\d+\.\d+-\d+-cloud-amd64$/);
    const manifest = JSON.parse(fs.readFileSync(path.join(guest.dir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ kernelVersion: guest.version, modules: guest.modules });
    expect(Object.keys(manifest.packages)).toEqual([`linux-image-${guest.version}`, "busybox-static"]);
  });
});

describe("apt", () => {
  it("the versioned package is read from apt-cache depends", () => {
    expect(parseKernelDepends("linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-57-cloud-amd64\n")).toBe("linux-image-6.1.0-57-cloud-amd64");
    expect(parseKernelDepends("linux-image-cloud-amd64\n  Depends: <linux-image-6.1.0-9-cloud-amd64>\n")).toBe("linux-image-6.1.0-9-cloud-amd64");
    expect(parseKernelDepends("linux-image-cloud-amd64\n  Depends: initramfs-tools\n")).toBeNull();
  });
});

describe("module load order", () => {
  const deps: Record<string, string[]> = {
    virtio_net: ["virtio_ring", "virtio", "net_failover"], net_failover: ["failover"], failover: [],
    virtio: ["virtio_ring"], virtio_ring: [], virtio_blk: ["virtio", "virtio_ring"],
  };
  it("puts dependencies first, else keeps the order given", () => {
    const order = loadOrder(["virtio_blk", "virtio_net"], (n) => deps[n]);
    expect(order).toEqual(["virtio_ring", "virtio", "virtio_blk", "failover", "net_failover", "virtio_net"]);
  });

  it("refuses a cycle, naming it", () => {
    expect(() => loadOrder(["a"], (n) => ({ a: ["b"], b: ["c"], c: ["a"] })[n]!)).toThrow(ImageError);
    expect(() => loadOrder(["a"], (n) => ({ a: ["b"], b: ["a"] })[n]!)).toThrow(/a -> b -> a/);
  });

  it("module names as the kernel spells them", () => {
    expect(moduleName("kernel/drivers/char/hw_random/virtio-rng.ko")).toBe("virtio_rng");
    expect(moduleName("virtio_pci.ko")).toBe("virtio_pci");
  });

  it("the guest's modules: the virtio drivers and every dependency, each after what it needs (modinfo -F depends)", () => {
    const names = guest.modules.map(moduleName);
    for (const m of ["virtio", "virtio_ring", "virtio_pci", "virtio_blk", "virtio_net", "net_failover", "failover", "virtio_console", "virtio_rng"]) {
      expect(names).toContain(m);
    }
    const modinfo = findCommand("modinfo")!;
    guest.modules.forEach((m, i) => {
      const r = spawnSync(modinfo, ["-F", "depends", path.join(unpacked, m)], { encoding: "utf8" });
      expect(r.status).toBe(0);
      for (const d of r.stdout.trim().split(",").filter((s) => s !== "")) {
        expect(names.slice(0, i), `${names[i]} needs ${d}`).toContain(moduleName(d));
      }
    });
  });
});

describe("the initramfs", () => {
  const listing = () => {
    const r = spawnSync("cpio", ["-t", "--quiet"], { input: archive, encoding: "utf8" });
    expect(r.status).toBe(0);
    return r.stdout.split("\n").filter((l) => l !== "");
  };

  it("is a gzip'd newc cpio holding /init, /bin/busybox and the modules", () => {
    expect([...fs.readFileSync(guest.initrd).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(archive.subarray(0, 6).toString("latin1")).toBe("070701");
    const files = listing();
    expect(files).toContain("init");
    expect(files).toContain("bin/busybox");
    for (const d of ["proc", "sys", "dev"]) expect(files).toContain(d);
    for (const m of guest.modules) expect(files).toContain(m);
  });

  it("its files belong to root and /init is executable", () => {
    const r = spawnSync("cpio", ["-tv", "--quiet"], { input: archive, encoding: "utf8" });
    const init = r.stdout.split("\n").find((l) => / init$/.test(l))!;
    expect(init).toMatch(/^-rwxr-xr-x\s+\d+\s+root\s+root\s/);
  });

  it("its busybox is a static x86-64 executable (no program interpreter)", () => {
    const elf = fs.readFileSync(path.join(unpacked, "bin", "busybox"));
    expect(elf.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(elf[4]).toBe(2);                         // ELFCLASS64
    expect(elf.readUInt16LE(0x12)).toBe(0x3e);      // EM_X86_64
    const phoff = Number(elf.readBigUInt64LE(0x20));
    const types = Array.from({ length: elf.readUInt16LE(0x38) }, (_, i) => elf.readUInt32LE(phoff + i * elf.readUInt16LE(0x36)));
    expect(types).not.toContain(3);                 // PT_INTERP
  });

  it("/init loads the modules in order, quietly, then prints the ready marker and starts a shell on the console", () => {
    const init = fs.readFileSync(path.join(unpacked, "init"), "utf8");
    expect(init).toBe(initScript(guest.modules));
    const lines = init.split("\n");
    expect(lines[0]).toBe("#!/bin/busybox sh");
    expect(lines).toContain("/bin/busybox --install -s /bin");
    expect(lines).toContain("mount -t proc proc /proc");
    expect(lines).toContain("mount -t sysfs sysfs /sys");
    expect(lines).toContain("mount -t devtmpfs devtmpfs /dev");
    expect(lines.filter((l) => l.startsWith("load /")).map((l) => l.slice(6))).toEqual(guest.modules);
    expect(init).toMatch(/insmod "\$1" 2>&1\); then echo "tsvisor-guest: warning: could not load/);
    expect(lines.slice(-3)).toEqual([`echo "${READY_MARKER}"`, "exec /bin/init", ""]);
    expect(READY_MARKER).toBe("tsvisor-guest: ready");
  });

  it("busybox init's table respawns a shell with the console as its terminal", () => {
    const tab = fs.readFileSync(path.join(unpacked, "etc", "inittab"), "utf8").split("\n");
    expect(tab).toContain("::respawn:/bin/cttyhack /bin/sh");
    expect(tab).toContain("::shutdown:/bin/umount -a -r");
  });

  it("/init is valid shell (busybox sh -n)", () => {
    const r = spawnSync(path.join(unpacked, "bin", "busybox"), ["sh", "-n", path.join(unpacked, "init")], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("a kernel guest on the ISO", () => {
  const kg = { kernel: "/cache/vmlinuz", initrd: "/cache/initramfs.cpio.gz", cmdline: "console=ttyS0 quiet" };

  it("has the modules kernel, initrd, cmdline in that order, the command line as exact bytes", () => {
    const mods = guestModules(kg);
    expect(mods.map((m) => m.name)).toEqual(["kernel", "initrd", "cmdline"]);
    expect(mods[0]).toEqual({ name: "kernel", file: kg.kernel });
    expect(mods[1]).toEqual({ name: "initrd", file: kg.initrd });
    expect(mods[2]).toEqual({ name: "cmdline", data: Buffer.from("console=ttyS0 quiet") });
    expect(guestModules({ kernel: "/k", cmdline: "" }).map((m) => m.name)).toEqual(["kernel", "cmdline"]);
  });

  it("grub.cfg: module2 lines named by their second word; the screen mode chosen after `multiboot2`", () => {
    expect(grubCfg(kernelGuestCmdline(""), guestModules(kg))).toBe([
      "set timeout=0",
      "set timeout_style=hidden",
      'if [ "${grub_platform}" = "efi" ]; then insmod all_video; fi',
      'menuentry "tsvisor" {',
      "  multiboot2 /boot/tsvisor.elf guest_ram=256",
      "  module2 /boot/modules/kernel kernel",
      "  module2 /boot/modules/initrd initrd",
      "  module2 /boot/modules/cmdline cmdline",
      '  if [ "${grub_platform}" = "efi" ]; then set gfxpayload=auto; else set gfxpayload=text; fi',
      "  boot",
      "}",
      "",
    ].join("\n"));
  });

  it("the ISO's tree holds the files, the cmdline one without a newline", () => {
    const root = path.join(tmp, "iso-root");
    const elf = path.join(tmp, "fake.elf");
    fs.writeFileSync(elf, "ELF");
    const cmdline = 'console=ttyS0 init=/bin/sh "quoted" $dollar; {braces} \\';
    writeIsoTree(root, elf, "cfg", guestModules({ kernel: guest.kernel, initrd: guest.initrd, cmdline }));
    const mod = (n: string) => fs.readFileSync(path.join(root, "boot", "modules", n));
    expect(mod("kernel").equals(fs.readFileSync(guest.kernel))).toBe(true);
    expect(mod("initrd").equals(fs.readFileSync(guest.initrd))).toBe(true);
    expect(mod("cmdline").toString("utf8")).toBe(cmdline);
    expect(fs.readFileSync(path.join(root, "boot", "grub", "grub.cfg"), "utf8")).toBe("cfg");
  });

  it("guest_ram=256 unless the user's --cmdline sets guest_ram", () => {
    expect(kernelGuestCmdline("")).toBe("guest_ram=256");
    expect(kernelGuestCmdline("guest_timeout=5")).toBe("guest_ram=256");
    expect(kernelGuestCmdline("x=1 guest_ram=512")).toBe("");
  });

  it("a longer default time-out, unless the user gave one", () => {
    expect(runTimeout(undefined, false, "qemu")).toBe(120);
    expect(runTimeout(undefined, true, "qemu")).toBe(300);
    expect(runTimeout(undefined, true, "kvm")).toBe(300);
    expect(runTimeout(undefined, true, "bochs")).toBe(900);
    expect(runTimeout(30, true, "bochs")).toBe(30);
  });

  it("a kernel guest on a terminal (someone's shell) has no time-out unless one is given; a test guest keeps its own", () => {
    expect(runTimeout(undefined, true, "qemu", true)).toBe(0);
    expect(runTimeout(undefined, true, "bochs", true)).toBe(0);
    expect(runTimeout(60, true, "qemu", true)).toBe(60);
    expect(runTimeout(undefined, false, "qemu", true)).toBe(120);
  });

  it("--append defaults to console=ttyS0; --guest linux takes --append and --initrd", () => {
    expect(planGuest({ kernel: guest.kernel })).toMatchObject({ kind: "kernel", cmdline: "console=ttyS0" });
    expect(planGuest({ guest: "linux", append: "quiet" })).toMatchObject({ kind: "linux", cmdline: "quiet" });
    expect(planGuest({ guest: "linux", initrd: guest.initrd })).toMatchObject({ kind: "linux", initrd: guest.initrd });
    expect(planGuest({})).toEqual({ kind: "image", guest: "none" });
  });
});

describe("tsvisor guest linux", () => {
  const cli = (env: NodeJS.ProcessEnv, ...args: string[]) =>
    spawnSync(process.execPath, ["bin/tsvisor.mjs", "guest", "linux", ...args], { cwd: ROOT, encoding: "utf8", env, timeout: 300_000 });

  it("on a cache hit prints where the files are, and fetches nothing", () => {
    const r = cli(process.env);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`kernel: ${guest.kernel}\ninitrd: ${guest.initrd}\ndisk: ${disk.file}\n`);
    expect(r.stderr).toMatch(/and the default disk are cached \(use --refresh/);
    expect(r.stderr).not.toMatch(/fetching/);
  });

  it("without apt uses the guest cached last time, and says so", () => {
    const r = cli({ ...process.env, PATH: path.join(tmp, "empty-path") });
    expect(r.stderr).toMatch(/apt cannot say which kernel linux-image-cloud-amd64 is now .*; using the cached /);
    expect(r.stdout).toMatch(/^kernel: .*\ninitrd: .*\ndisk: .*\n$/);
    expect(r.status).toBe(0);
  });

  it("without apt and with nothing cached says why and exits non-zero", () => {
    const r = cli({ ...process.env, PATH: path.join(tmp, "empty-path"), TSVISOR_CACHE: path.join(tmp, "empty-cache") });
    expect(r.stderr).toMatch(/apt-get, apt-cache, dpkg-deb not found: the Linux guest is Debian's kernel and busybox/);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(1);
  });
});
