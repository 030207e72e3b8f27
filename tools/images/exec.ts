// Running the Debian tools that fetch and build guest images (apt-get,
// apt-cache, dpkg-deb, modinfo, cpio, mkfs.ext4, debugfs), with one error
// type whose message says what failed and what the tool itself said.
import { spawnSync } from "node:child_process";

export class ImageError extends Error {}

export interface ExecOptions { cwd?: string; input?: Buffer | string; env?: NodeJS.ProcessEnv }

// Run a command to its end; its stdout (as bytes) or an ImageError naming `what`.
export function exec(cmd: string, args: string[], what: string, opts: ExecOptions = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, env: opts.env, maxBuffer: 1 << 30 });
  if (r.error) throw new ImageError(`${what}: could not start ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const said = (r.stderr.toString() + r.stdout.toString()).trim();
    throw new ImageError(`${what} failed (${cmd} exited ${r.status ?? r.signal})${said ? `:\n${said}` : ""}`);
  }
  return r.stdout;
}

export const execText = (cmd: string, args: string[], what: string, opts?: ExecOptions): string =>
  exec(cmd, args, what, opts).toString("utf8");
