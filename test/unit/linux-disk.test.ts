// The Linux guest's default disk (tools/images/linux-disk.ts), built into a
// cache of its own here: an ext4 file system of the given size and label
// holding the known files, read back with e2fsprogs's debugfs and checked
// with e2fsck; the same bytes from every build; a cache hit builds nothing
// and a changed recipe builds again.
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findCommand } from "../../tools/builder/system-tools.js";
import {
  linuxDisk, LinuxDisk, diskCacheDir, debugfsScript, DISK_BYTES, DISK_FILES, DISK_HELLO_PATH, DISK_HELLO_TEXT, DISK_LABEL, DISK_README,
} from "../../tools/images/linux-disk.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-linux-disk-"));
const cache = path.join(tmp, "cache");
const e2 = (tool: string, args: string[]) => spawnSync(findCommand(tool)!, args, { encoding: "utf8" });
const cat = (image: string, file: string) => e2("debugfs", ["-R", `cat ${file}`, image]).stdout;

let disk: LinuxDisk;
beforeAll(() => {
  disk = linuxDisk({ cache });
}, 120_000);

describe("the default disk", () => {
  it("is one file in <cache>/disk, of DISK_BYTES, built (not cached) the first time", () => {
    expect(disk.file).toBe(path.join(diskCacheDir(cache), "tsvisor-disk.ext4"));
    expect(disk.size).toBe(DISK_BYTES);
    expect(fs.statSync(disk.file).size).toBe(8 * 1024 * 1024);
    expect(disk.cached).toBe(false);
    expect(fs.readdirSync(diskCacheDir(cache)).sort()).toEqual(["manifest.json", "tsvisor-disk.ext4"]);
  });

  it("holds /hello.txt with exactly the known text, and the README", () => {
    expect(DISK_HELLO_TEXT).toBe("hello from the tsvisor disk\n");
    expect(cat(disk.file, DISK_HELLO_PATH)).toBe(DISK_HELLO_TEXT);
    expect(cat(disk.file, "/README")).toBe(DISK_README);
    expect(DISK_README.trimEnd().split("\n").length).toBeLessThanOrEqual(3);
    const ls = e2("debugfs", ["-R", "ls -l /", disk.file]).stdout;
    for (const f of Object.keys(DISK_FILES)) expect(ls).toContain(path.basename(f));
  });

  it("is a clean ext4 file system with 1 KiB blocks and the label tsvisor-disk", () => {
    const fsck = e2("e2fsck", ["-f", "-n", disk.file]);
    expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0);
    const sb = e2("dumpe2fs", ["-h", disk.file]).stdout;
    expect(sb).toMatch(new RegExp(`^Filesystem volume name:\\s+${DISK_LABEL}$`, "m"));
    expect(sb).toMatch(/^Block size:\s+1024$/m);
    expect(sb).toMatch(/^Filesystem features:.*\bextent\b/m);
  });

  it("its files are root's, whoever built it", () => {
    for (const f of Object.keys(DISK_FILES)) {
      expect(e2("debugfs", ["-R", `stat ${f}`, disk.file]).stdout).toMatch(/User:\s+0\s+Group:\s+0\b/);
    }
    expect(debugfsScript(["/a"])).toBe("sif / ctime 1700000000\nsif /a ctime 1700000000\nsif /a uid 0\nsif /a gid 0\n");
  });

  it("is read-only in the cache: nothing but a rebuild writes it", () => {
    expect(fs.statSync(disk.file).mode & 0o222).toBe(0);
  });

  it("is found in the cache the second time, unchanged", () => {
    const before = fs.readFileSync(disk.file);
    const again = linuxDisk({ cache });
    expect(again).toEqual({ ...disk, cached: true });
    expect(fs.readFileSync(disk.file).equals(before)).toBe(true);
  });

  it("has the same bytes when built again (--refresh), at another time", async () => {
    const before = fs.readFileSync(disk.file);
    await new Promise((r) => setTimeout(r, 1100)); // a second later: a clock read anywhere would show
    const lines: string[] = [];
    const again = linuxDisk({ cache, refresh: true, log: (l) => lines.push(l) });
    expect(again.cached).toBe(false);
    expect(lines.join("\n")).toMatch(/building the default disk: ext4, 8 MiB, \/hello.txt \/README/);
    expect(fs.readFileSync(again.file).equals(before)).toBe(true);
  });

  it("is built again when its recipe changed", () => {
    const manifest = path.join(diskCacheDir(cache), "manifest.json");
    fs.writeFileSync(manifest, JSON.stringify({ recipe: "an older recipe" }));
    expect(linuxDisk({ cache }).cached).toBe(false);
    expect(linuxDisk({ cache }).cached).toBe(true);
  });
});
