// The default Linux guest: Debian's cloud kernel, unmodified, and an
// initramfs built here from Debian's static busybox and the kernel's own
// virtio modules. Fetched and built once per kernel version into the cache
// (tools/images/cache.ts), outside the repository:
//
//   <cache>/linux/<kernel version>/
//     debs/                the two packages as apt-get download fetched them
//     vmlinuz              the kernel (boot/vmlinuz-<version> of its package)
//     initramfs.cpio.gz    busybox, the modules, /init (tools/images/initramfs.ts)
//     manifest.json        what was built from what; written last, so its
//                          presence means the folder is complete
import fs from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { cacheRoot, withLock } from "./cache.js";
import { kernelPackageOf, packageInfo, download, extract, debIn } from "./apt.js";
import { readModuleTree, guestModuleOrder, moduleName } from "./kernel-modules.js";
import { stageInitramfs, packInitramfs, initScript, INITTAB } from "./initramfs.js";
import { checkKernel, GuestFileError } from "./kernel-file.js";
import { execText, ImageError } from "./exec.js";

export const KERNEL_META_PACKAGE = "linux-image-cloud-amd64";
export const BUSYBOX_PACKAGE = "busybox-static";
// What is built from the packages: a version to bump when the build
// changes, and a digest of /init and the inittab, so that editing them
// rebuilds the initramfs too. Cached folders of another format are rebuilt
// from their downloaded packages.
export const LINUX_GUEST_FORMAT = `3-${createHash("sha256").update(initScript(["m.ko"]) + INITTAB).digest("hex").slice(0, 12)}`;

export interface LinuxGuest {
  version: string;     // the kernel's version, e.g. 6.1.0-NN-cloud-amd64
  dir: string;
  kernel: string;
  initrd: string;
  modules: string[];   // in load order
  cached: boolean;     // true: nothing was fetched or built
}

interface Manifest {
  format: string;
  kernelVersion: string;
  packages: Record<string, string>; // name -> Debian version
  modules: string[];
}

export const linuxCacheDir = (root = cacheRoot()) => path.join(root, "linux");

function readManifest(dir: string): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as Manifest;
    const complete = m.format === LINUX_GUEST_FORMAT && ["vmlinuz", "initramfs.cpio.gz"].every((f) => fs.existsSync(path.join(dir, f)));
    return complete ? m : null;
  } catch {
    return null;
  }
}

const guestIn = (dir: string, m: Manifest, cached: boolean): LinuxGuest => ({
  version: m.kernelVersion, dir, kernel: path.join(dir, "vmlinuz"), initrd: path.join(dir, "initramfs.cpio.gz"), modules: m.modules, cached,
});

// The newest complete folder in the cache, for when apt cannot say which kernel is current.
function newestCached(root: string): { dir: string; m: Manifest } | null {
  const base = linuxCacheDir(root);
  if (!fs.existsSync(base)) return null;
  const found = fs.readdirSync(base).map((v) => path.join(base, v)).map((dir) => ({ dir, m: readManifest(dir) }))
    .filter((x): x is { dir: string; m: Manifest } => x.m !== null)
    .sort((a, b) => fs.statSync(path.join(b.dir, "manifest.json")).mtimeMs - fs.statSync(path.join(a.dir, "manifest.json")).mtimeMs);
  return found[0] ?? null;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const debVersion = (deb: string) => execText("dpkg-deb", ["-f", deb, "Version"], `reading ${path.basename(deb)}`).trim();

export interface LinuxGuestOptions {
  refresh?: boolean;          // fetch and build again even if cached
  log?: (line: string) => void;
  cache?: string;             // the cache root (default cacheRoot())
}

// The Linux guest's kernel and initramfs: from the cache, or fetched and built.
export function linuxGuest(opts: LinuxGuestOptions = {}): LinuxGuest {
  const log = opts.log ?? (() => {});
  const root = opts.cache ?? cacheRoot();
  let pkg: string;
  try {
    pkg = kernelPackageOf(KERNEL_META_PACKAGE);
  } catch (e) {
    // Offline or without apt: the guest built last time still boots.
    const last = opts.refresh ? null : newestCached(root);
    if (!last) throw e;
    log(`apt cannot say which kernel ${KERNEL_META_PACKAGE} is now (${(e as Error).message.split("\n")[0]}); using the cached ${last.m.kernelVersion}`);
    return guestIn(last.dir, last.m, true);
  }
  const version = pkg.replace(/^linux-image-/, "");
  const dir = path.join(linuxCacheDir(root), version);
  const cachedManifest = opts.refresh ? null : readManifest(dir);
  if (cachedManifest) return guestIn(dir, cachedManifest, true);
  fs.mkdirSync(dir, { recursive: true });
  return withLock(dir, () => {
    // Whoever held the lock before may have built it meanwhile.
    const m = opts.refresh ? null : readManifest(dir);
    return m ? guestIn(dir, m, true) : fetchAndBuild(dir, pkg, version, opts.refresh === true, log);
  }, () => log(`waiting for another tsvisor building ${dir}`));
}

function fetchAndBuild(dir: string, pkg: string, version: string, refresh: boolean, log: (line: string) => void): LinuxGuest {
  fs.rmSync(path.join(dir, "manifest.json"), { force: true });
  const debs = path.join(dir, "debs");
  let [kernelDeb, busyboxDeb] = (!refresh && downloaded(debs, [pkg, BUSYBOX_PACKAGE])) || [];
  if (kernelDeb) {
    log(`using the packages downloaded before, in ${debs}`);
  } else {
    const info = packageInfo([pkg, BUSYBOX_PACKAGE]);
    const total = info.reduce((n, p) => n + p.size, 0);
    log(`fetching ${info.map((p) => `${p.name} ${p.version} (${mb(p.size)})`).join(" and ")}: ${mb(total)} with apt-get download`);
    const t0 = Date.now();
    [kernelDeb, busyboxDeb] = download(info, debs);
    log(`  fetched in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  const unpacked = path.join(dir, "unpacked");
  try {
    log(`extracting ${path.basename(kernelDeb)} and ${path.basename(busyboxDeb)} (dpkg-deb -x)`);
    extract(kernelDeb, path.join(unpacked, "kernel"));
    extract(busyboxDeb, path.join(unpacked, "busybox"));
    const vmlinuz = path.join(unpacked, "kernel", "boot", `vmlinuz-${version}`);
    if (!fs.existsSync(vmlinuz)) throw new ImageError(`${path.basename(kernelDeb)} holds no boot/vmlinuz-${version}`);
    try {
      checkKernel(vmlinuz);
    } catch (e) {
      if (e instanceof GuestFileError) throw new ImageError(`Debian's kernel does not look bootable: ${e.message}`);
      throw e;
    }
    const busybox = path.join(unpacked, "busybox", "bin", "busybox");
    if (!fs.existsSync(busybox)) throw new ImageError(`${path.basename(busyboxDeb)} holds no bin/busybox`);

    const modDir = path.join("lib", "modules", version);
    const modules = guestModuleOrder(readModuleTree(path.join(unpacked, "kernel", modDir))).map((m) => path.join(modDir, m));
    log(`building initramfs: busybox, /init, ${modules.length} modules (${modules.map(moduleName).join(" ")}) with cpio -H newc and gzip`);
    const staging = path.join(unpacked, "initramfs");
    stageInitramfs(staging, { busybox, moduleRoot: path.join(unpacked, "kernel"), modules });
    const archive = packInitramfs(staging);
    writeAtomically(path.join(dir, "initramfs.cpio.gz"), archive);
    fs.copyFileSync(vmlinuz, path.join(dir, "vmlinuz.tmp"));
    fs.renameSync(path.join(dir, "vmlinuz.tmp"), path.join(dir, "vmlinuz"));
    log(`  initramfs ${mb(archive.length)}, kernel ${mb(fs.statSync(vmlinuz).size)}`);

    const manifest: Manifest = {
      format: LINUX_GUEST_FORMAT,
      kernelVersion: version,
      packages: { [pkg]: debVersion(kernelDeb), [BUSYBOX_PACKAGE]: debVersion(busyboxDeb) },
      modules,
    };
    writeAtomically(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    return guestIn(dir, manifest, false);
  } finally {
    fs.rmSync(unpacked, { recursive: true, force: true });
  }
}

// The .debs of the packages if all are in `dir` already, else null.
function downloaded(dir: string, names: string[]): string[] | null {
  try {
    return names.map((n) => debIn(dir, n));
  } catch {
    return null;
  }
}

function writeAtomically(file: string, data: Buffer | string): void {
  fs.writeFileSync(`${file}.tmp`, data);
  fs.renameSync(`${file}.tmp`, file);
}
