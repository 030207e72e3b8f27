// The Linux guest's default disk: a small ext4 image with a few known files,
// which `tsvisor run --guest linux` attaches as its virtio disk unless
// --disk names another, and which the boot tests read back. Written by
// Debian's mkfs.ext4 (e2fsprogs) from a staging directory (`-d`), once per
// recipe, into the cache beside the Linux guest (tools/images/cache.ts):
//
//   <cache>/disk/
//     tsvisor-disk.ext4    the image
//     manifest.json        the hash of the recipe it was built from; written
//                          last, so its presence means the image is complete
//
// Nothing writes the image once built: a run's ISO holds a copy of it.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cacheRoot, withLock } from "./cache.js";
import { findCommand, requireTools } from "../builder/system-tools.js";
import { exec, execText, ImageError } from "./exec.js";

// What the boot tests look for on the disk.
export const DISK_HELLO_PATH = "/hello.txt";
export const DISK_HELLO_TEXT = "hello from the tsvisor disk\n";
export const DISK_LABEL = "tsvisor-disk";
export const DISK_BYTES = 8 * 1024 * 1024;

export const DISK_README = [
  "This is tsvisor's default disk for the Linux guest: an ext4 file system on a virtio-blk device,",
  "built by tools/images/linux-disk.ts. Writes reach only the hypervisor's copy in memory:",
  "they survive a reboot of the guest, and are lost when the hypervisor stops.",
  "",
].join("\n");

// The files, by path in the image.
export const DISK_FILES: Record<string, string> = { [DISK_HELLO_PATH]: DISK_HELLO_TEXT, "/README": DISK_README };

// Fixed where mkfs.ext4 would pick at random or read the clock, so that
// one recipe gives the same bytes on every build (and so the same ISO hash,
// tools/builder/stages.ts): the file system's UUID, its directory hash
// seed, and every time stamp (E2FSPROGS_FAKE_TIME, e2fsprogs's own clock
// override, for what mkfs.ext4 creates; utimes on the staged files, whose
// times `-d` copies, and debugfs for the ctimes no utimes can set).
const DISK_UUID = "7d5e1a90-3c4b-4f2e-9a61-0b7c5d3e2f18";
const DISK_TIME = 1_700_000_000; // 2023-11-14T22:13:20Z

// 1 KiB blocks: an 8 MiB file system of 4 KiB blocks would be mostly metadata.
export const MKFS_OPTIONS = [
  "-q", "-F", "-L", DISK_LABEL, "-b", "1024", "-U", DISK_UUID, "-E", `hash_seed=${DISK_UUID},root_owner=0:0`,
];

// debugfs commands run on the new image: every file root's (-d copies the
// staging files' owner, the user who builds), and every ctime DISK_TIME.
export function debugfsScript(files: string[] = Object.keys(DISK_FILES)): string {
  return ["/", ...files].flatMap((f) => [
    `sif ${f} ctime ${DISK_TIME}`,
    ...(f === "/" ? [] : [`sif ${f} uid 0`, `sif ${f} gid 0`]),
  ]).join("\n") + "\n";
}

// The hash of everything the image is made from.
export function diskRecipe(): string {
  const recipe = { files: DISK_FILES, bytes: DISK_BYTES, mkfs: MKFS_OPTIONS, time: DISK_TIME, debugfs: debugfsScript() };
  return crypto.createHash("sha256").update(JSON.stringify(recipe)).digest("hex");
}

export const diskCacheDir = (root = cacheRoot()) => path.join(root, "disk");

export interface LinuxDisk {
  file: string;
  size: number;
  cached: boolean; // true: nothing was built
}

export interface LinuxDiskOptions {
  refresh?: boolean;          // build again even if cached
  log?: (line: string) => void;
  cache?: string;             // the cache root (default cacheRoot())
}

function isBuilt(dir: string, image: string, hash: string): boolean {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).recipe === hash && fs.existsSync(image);
  } catch {
    return false;
  }
}

// The default disk: from the cache, or built (again, when its recipe changed).
export function linuxDisk(opts: LinuxDiskOptions = {}): LinuxDisk {
  const log = opts.log ?? (() => {});
  const dir = diskCacheDir(opts.cache ?? cacheRoot());
  const image = path.join(dir, "tsvisor-disk.ext4");
  const hash = diskRecipe();
  const found = (cached: boolean): LinuxDisk => ({ file: image, size: fs.statSync(image).size, cached });
  if (!opts.refresh && isBuilt(dir, image, hash)) return found(true);
  fs.mkdirSync(dir, { recursive: true });
  return withLock(dir, () => {
    // Whoever held the lock before may have built it meanwhile.
    if (!opts.refresh && isBuilt(dir, image, hash)) return found(true);
    log(`building the default disk: ext4, ${DISK_BYTES >> 20} MiB, ${Object.keys(DISK_FILES).join(" ")} (mkfs.ext4 -d)`);
    buildImage(dir, image);
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ recipe: hash }, null, 2) + "\n");
    return found(false);
  }, () => log(`waiting for another tsvisor building ${dir}`));
}

function buildImage(dir: string, image: string): void {
  requireTools("mkfsExt4", "debugfs");
  fs.rmSync(path.join(dir, "manifest.json"), { force: true });
  const staging = path.join(dir, "staging");
  const tmp = `${image}.tmp`;
  try {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging);
    for (const [f, text] of Object.entries(DISK_FILES)) {
      fs.writeFileSync(path.join(staging, f), text, { mode: 0o644 });
      fs.utimesSync(path.join(staging, f), DISK_TIME, DISK_TIME);
    }
    fs.utimesSync(staging, DISK_TIME, DISK_TIME);
    // A file of the right size first: given a size, mkfs.ext4 says it creates the file even with -q.
    fs.rmSync(tmp, { force: true });
    fs.writeFileSync(tmp, "");
    fs.truncateSync(tmp, DISK_BYTES);
    const env = { ...process.env, E2FSPROGS_FAKE_TIME: String(DISK_TIME) };
    exec(findCommand("mkfs.ext4")!, [...MKFS_OPTIONS, "-d", staging, tmp], "mkfs.ext4 (writing the default disk)", { env });
    exec(findCommand("debugfs")!, ["-w", "-f", "-", tmp], "debugfs (fixing the default disk's owners and times)",
      { env, input: debugfsScript() });
    // Read back what the boot tests will look for, through e2fsprogs's own reader.
    const hello = execText(findCommand("debugfs")!, ["-R", `cat ${DISK_HELLO_PATH}`, tmp], "debugfs (reading the default disk)");
    if (hello !== DISK_HELLO_TEXT) throw new ImageError(`the default disk's ${DISK_HELLO_PATH} reads back as ${JSON.stringify(hello)}`);
    // Read-only, so that nothing but a rebuild (which replaces it) writes it.
    fs.chmodSync(tmp, 0o444);
    fs.renameSync(tmp, image);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(tmp, { force: true });
  }
}
