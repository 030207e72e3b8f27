// What tsvisor run accepts as a guest kernel, initrd and command line
// (tools/images/kernel-file.ts), on Debian's real bzImage, copies of it cut
// short, synthesised multiboot images and junk; and the run command's
// usage errors for them, exit status 2 before anything is built.
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkAppend, checkInitrd, checkKernel, GuestFileError, identifyKernel } from "../../tools/images/kernel-file.js";
import { linuxGuest, LinuxGuest } from "../../tools/images/linux.js";

const ROOT = path.resolve(__dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-kernel-file-"));
const file = (name: string, bytes: Buffer | string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
};
const tsvisor = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/tsvisor.mjs", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

// A multiboot v1 image: the header (magic, flags, checksum) at `offset`.
function multiboot(offset: number, flags = 0x3, checksum = (-(0x1badb002 + flags)) >>> 0, size = 16384): Buffer {
  const b = crypto.randomBytes(size);
  b.fill(0, 0, 0x210); // no accidental Linux header
  b.writeUInt32LE(0x1badb002, offset);
  b.writeUInt32LE(flags, offset + 4);
  b.writeUInt32LE(checksum, offset + 8);
  return b;
}

let guest: LinuxGuest;
let bz: Buffer;
beforeAll(() => {
  guest = linuxGuest();
  bz = fs.readFileSync(guest.kernel);
}, 600_000);

describe("a Linux bzImage", () => {
  it("Debian's cloud kernel is accepted, with the sizes from its header", () => {
    const k = checkKernel(guest.kernel);
    expect(k.kind).toBe("bzImage");
    if (k.kind !== "bzImage") return;
    expect(k.protocol).toBeGreaterThanOrEqual(0x020c);
    expect(k.setupSects).toBe(bz[0x1f1] || 4);
    expect(k.expectedSize).toBe((k.setupSects + 1) * 512 + bz.readUInt32LE(0x1f4) * 16);
    expect(k.size).toBe(bz.length);
    expect(k.expectedSize).toBeLessThanOrEqual(bz.length);
  });

  it.each([
    ["100 bytes", 100, /not a kernel tsvisor can boot: .*only 100 bytes/],
    ["0x300 bytes", 0x300, /a truncated Linux bzImage: 768 bytes, but its header .* says at least \d+/],
    ["one byte short of (setup_sects+1)*512 + syssize*16", -1, /a truncated Linux bzImage/],
  ])("cut at %s is refused", (_what, cut, message) => {
    const k = checkKernel(guest.kernel);
    const size = cut >= 0 ? cut : (k as { expectedSize: number }).expectedSize - 1;
    const p = file(`cut-${size}`, bz.subarray(0, size));
    expect(() => checkKernel(p)).toThrow(GuestFileError);
    expect(() => checkKernel(p)).toThrow(message);
  });

  it("cut exactly at the computed size is still whole", () => {
    const k = checkKernel(guest.kernel) as { expectedSize: number };
    expect(checkKernel(file("exact", bz.subarray(0, k.expectedSize))).kind).toBe("bzImage");
  });

  it("a boot protocol older than 2.12 is refused, naming both versions", () => {
    const old = Buffer.from(bz);
    old.writeUInt16LE(0x020b, 0x206);
    expect(() => checkKernel(file("old-protocol", old))).toThrow(/boot protocol 2\.11; tsvisor needs protocol 2\.12 or later/);
  });

  it("setup_sects 0 means 4", () => {
    const h = Buffer.alloc(0x1000);
    h.writeUInt16LE(0xaa55, 0x1fe);
    h.write("HdrS", 0x202, "latin1");
    h.writeUInt16LE(0x020f, 0x206);
    h.writeUInt32LE(1, 0x1f4); // 16 bytes of protected-mode code
    expect(identifyKernel(h, 5 * 512 + 16, "k")).toMatchObject({ kind: "bzImage", setupSects: 4, expectedSize: 2576 });
    expect(() => identifyKernel(h, 2575, "k")).toThrow(/truncated/);
  });
});

describe("a multiboot v1 image", () => {
  it.each([0, 0x40, 8192 - 12])("with its header at offset %i is accepted", (off) => {
    const k = checkKernel(file(`mb-${off}`, multiboot(off)));
    expect(k).toMatchObject({ kind: "multiboot", headerOffset: off, flags: 3 });
  });

  it("with a wrong checksum is refused", () => {
    expect(() => checkKernel(file("mb-bad", multiboot(0x20, 3, 0x12345678)))).toThrow(/magic 0x1BADB002 at offset 0x20, but its checksum is wrong/);
  });

  it("with its header past the first 8192 bytes or not 4-aligned is not found", () => {
    expect(() => checkKernel(file("mb-late", multiboot(8192)))).toThrow(/not a kernel/);
    expect(() => checkKernel(file("mb-odd", multiboot(0x42)))).toThrow(/not a kernel/);
  });
});

describe("files that are not kernels", () => {
  it.each([
    ["random bytes", () => file("random", crypto.randomBytes(65536)), /not a kernel tsvisor can boot/],
    ["an empty file", () => file("empty", ""), /the file is empty/],
    ["a missing path", () => path.join(tmp, "no-such-kernel"), /no such file/],
    ["a directory", () => tmp, /directory|not a regular file/],
  ])("%s is refused", (_what, make, message) => {
    expect(() => checkKernel(make())).toThrow(message);
  });

  it("a file the user may not read is refused (root reads it: then it is judged by its bytes)", () => {
    const p = file("unreadable", bz.subarray(0, 4096));
    fs.chmodSync(p, 0);
    // Root's reads ignore the mode bits, so there the same file is a kernel cut short.
    expect(() => checkKernel(p)).toThrow(process.getuid?.() === 0 ? /truncated/ : /not readable/);
  });
});

describe("an initrd", () => {
  it("the built initramfs is gzip", () => {
    const r = checkInitrd(guest.initrd);
    expect(r.format).toBe("gzip");
    expect(r.warning).toBeUndefined();
  });

  it.each([
    ["cpio (newc)", "070701" + "0".repeat(104)],
    ["xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2])],
    ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])],
    ["lz4 (legacy)", Buffer.from([0x02, 0x21, 0x4c, 0x18, 0])],
  ])("%s is recognised", (format, bytes) => {
    expect(checkInitrd(file(`initrd-${format.replace(/\W/g, "")}`, bytes)).format).toBe(format);
  });

  it("in no known format passes with a warning", () => {
    const r = checkInitrd(file("initrd-junk", "not an archive"));
    expect(r.format).toBeNull();
    expect(r.warning).toMatch(/not a cpio archive nor gzip, xz, zstd, lz4/);
  });

  it("empty or missing is refused", () => {
    expect(() => checkInitrd(file("initrd-empty", ""))).toThrow(/initrd .*: the file is empty/);
    expect(() => checkInitrd(path.join(tmp, "no-initrd"))).toThrow(/initrd .*: no such file/);
  });
});

describe("a guest command line", () => {
  it("takes printable text up to 2047 bytes", () => {
    expect(() => checkAppend("")).not.toThrow();
    expect(() => checkAppend("console=ttyS0 quiet init=/bin/sh ünïcode")).not.toThrow();
    expect(() => checkAppend("x".repeat(2047))).not.toThrow();
    expect(() => checkAppend("x".repeat(2048))).toThrow(/2048 bytes; Linux takes at most 2047/);
    expect(() => checkAppend("é".repeat(1024))).toThrow(/2048 bytes/);
  });

  it.each(["a\nb", "a\tb", "a\x7fb", "\x00"])("refuses control characters (%j)", (s) => {
    expect(() => checkAppend(s)).toThrow(/control character/);
  });
});

describe("tsvisor run refuses bad kernel options before building (exit status 2)", () => {
  it.each([
    [["--initrd", "x.img"], /--initrd needs a kernel to go with: give --kernel FILE/],
    [["--append", "quiet"], /--append needs a kernel to go with/],
    [["--guest", "test:hello", "--append", "quiet"], /--append needs a kernel .*--guest test:hello is not a kernel/],
    [["--kernel", "K", "--guest", "linux"], /--kernel and --guest cannot go together/],
    [["--kernel", "K", "--guest", "none"], /--kernel and --guest cannot go together/],
    [["--kernel", "/no/such/kernel"], /kernel \/no\/such\/kernel: no such file/],
  ])("%j", (args, message) => {
    const r = tsvisor("run", "--host", "qemu", ...(args as string[]));
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/booting|tsvisor build/);
    expect(r.status).toBe(2);
  });

  it("a truncated kernel, a bad initrd and a long --append", () => {
    const cut = file("cli-cut", bz.subarray(0, 0x300));
    let r = tsvisor("run", "--host", "qemu", "--kernel", cut);
    expect(r.stderr).toMatch(/truncated Linux bzImage/);
    expect(r.status).toBe(2);
    r = tsvisor("run", "--host", "qemu", "--kernel", guest.kernel, "--initrd", file("cli-empty", ""));
    expect(r.stderr).toMatch(/initrd .*the file is empty/);
    expect(r.status).toBe(2);
    r = tsvisor("run", "--host", "qemu", "--guest", "linux", "--append", "y".repeat(3000));
    expect(r.stderr).toMatch(/--append: 3000 bytes/);
    expect(r.status).toBe(2);
  });
});
