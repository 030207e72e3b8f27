// `tsvisor guest linux`: fetch and build the Linux guest (tools/images/linux.ts)
// and its default disk (tools/images/linux-disk.ts), and print where their
// files are. Progress goes to stderr, the paths to stdout.
import { linuxGuest } from "./linux.js";
import { linuxDisk } from "./linux-disk.js";

export function guestLinuxCommand(o: { refresh?: boolean }): number {
  const t0 = Date.now();
  const log = (l: string) => process.stderr.write(`tsvisor guest: ${l}\n`);
  const g = linuxGuest({ refresh: o.refresh, log });
  const d = linuxDisk({ refresh: o.refresh, log });
  const built = [g.cached ? "" : `Debian's ${g.version}`, d.cached ? "" : "the default disk"].filter((s) => s !== "");
  process.stderr.write(built.length === 0
    ? `tsvisor guest: Debian's ${g.version} and the default disk are cached (use --refresh to fetch and build them again)\n`
    : `tsvisor guest: built ${built.join(" and ")} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`kernel: ${g.kernel}\ninitrd: ${g.initrd}\ndisk: ${d.file}\n`);
  return 0;
}
