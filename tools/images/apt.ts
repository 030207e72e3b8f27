// Debian's packages through Debian's own tools: which kernel package the
// cloud meta-package points at (apt-cache depends), its version and size
// (apt-cache show), the download (apt-get download) and the unpacking
// (dpkg-deb -x). Nothing here needs root: apt-get download writes to the
// current directory and dpkg-deb -x to any directory.
import fs from "node:fs";
import path from "node:path";
import { hasCommand } from "../builder/system-tools.js";
import { exec, execText, ImageError } from "./exec.js";

// apt-get and apt-cache come with every Debian and Ubuntu; elsewhere there
// is no Debian package to fetch.
function requireApt(): void {
  const missing = ["apt-get", "apt-cache", "dpkg-deb"].filter((c) => !hasCommand(c));
  if (missing.length) {
    throw new ImageError(`${missing.join(", ")} not found: the Linux guest is Debian's kernel and busybox, fetched with ` +
      "Debian's apt and unpacked with dpkg-deb, so it is built on a Debian (12 or later) or Ubuntu machine; " +
      "elsewhere, give tsvisor run your own --kernel and --initrd");
  }
}

export interface AptPackage { name: string; version: string; size: number }

// Say what is wrong with apt in a user's words, keeping apt's own E: lines.
function aptError(e: unknown, what: string, hint: string): never {
  const said = e instanceof Error ? e.message.split("\n").filter((l) => /^(E|W):/.test(l) && !/unsandboxed/.test(l)) : [];
  throw new ImageError(`${what}${said.length ? `:\n  ${said.join("\n  ")}` : e instanceof Error ? `: ${e.message}` : ""}\n${hint}`);
}

// The versioned kernel package a meta-package depends on: for
// linux-image-cloud-amd64, `Depends: linux-image-6.1.0-NN-cloud-amd64`.
export function parseKernelDepends(dependsOutput: string): string | null {
  const m = /^\s*\|?Depends:\s*<?(linux-image-\d[^\s>]*)>?\s*$/m.exec(dependsOutput);
  return m ? m[1] : null;
}

export function kernelPackageOf(meta: string): string {
  requireApt();
  let out: string;
  try {
    out = execText("apt-cache", ["depends", "--no-recommends", "--no-suggests", meta], `apt-cache depends ${meta}`);
  } catch (e) {
    aptError(e, `Debian package ${meta} is not known to apt here`,
      "It is in Debian 12 (bookworm) main: check /etc/apt/sources.list and run apt-get update.");
  }
  const pkg = parseKernelDepends(out);
  if (!pkg) throw new ImageError(`apt-cache depends ${meta} names no linux-image-<version> package:\n${out.trim()}`);
  return pkg;
}

// The candidate version and download size of each package (apt-cache show).
export function packageInfo(names: string[]): AptPackage[] {
  requireApt();
  let out: string;
  try {
    out = execText("apt-cache", ["show", "--no-all-versions", ...names], `apt-cache show ${names.join(" ")}`);
  } catch (e) {
    aptError(e, `Debian packages not found: ${names.join(", ")}`, "Check /etc/apt/sources.list and run apt-get update.");
  }
  const records = out.split(/\n\s*\n/).map((rec) => {
    const field = (f: string) => new RegExp(`^${f}: (.*)$`, "m").exec(rec)?.[1].trim() ?? "";
    return { name: field("Package"), version: field("Version"), size: Number(field("Size")) || 0 };
  });
  return names.map((n) => {
    const r = records.find((p) => p.name === n);
    if (!r) throw new ImageError(`apt-cache show says nothing of Debian package ${n}`);
    return r;
  });
}

// Download packages into `dir` (created); returns each one's .deb path.
export function download(pkgs: AptPackage[], dir: string): string[] {
  requireApt();
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    exec("apt-get", ["download", "-q", ...pkgs.map((p) => `${p.name}=${p.version}`)], "apt-get download", { cwd: partial });
  } catch (e) {
    fs.rmSync(partial, { recursive: true, force: true });
    aptError(e, `could not download ${pkgs.map((p) => p.name).join(", ")}`,
      "Is the network up, and a Debian mirror reachable from /etc/apt/sources.list?");
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return pkgs.map((p) => debIn(dir, p.name));
}

// The .deb of a package in a directory apt-get download wrote to.
export function debIn(dir: string, name: string): string {
  const f = fs.existsSync(dir) ? fs.readdirSync(dir).find((n) => n.startsWith(`${name}_`) && n.endsWith(".deb")) : undefined;
  if (!f) throw new ImageError(`no ${name}_*.deb in ${dir}`);
  return path.join(dir, f);
}

// Unpack a .deb's files (not its maintainer scripts) into `dir`.
export function extract(deb: string, dir: string): void {
  requireApt();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  exec("dpkg-deb", ["-x", deb, dir], `unpacking ${path.basename(deb)}`);
}
