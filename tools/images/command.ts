// `tsvisor guest linux`: fetch and build the Linux guest (tools/images/linux.ts)
// and print where its files are. Progress goes to stderr, the paths to stdout.
import { linuxGuest } from "./linux.js";

export function guestLinuxCommand(o: { refresh?: boolean }): number {
  const t0 = Date.now();
  const g = linuxGuest({ refresh: o.refresh, log: (l) => process.stderr.write(`tsvisor guest: ${l}\n`) });
  process.stderr.write(g.cached
    ? `tsvisor guest: Debian's ${g.version} is cached (use --refresh to fetch and build it again)\n`
    : `tsvisor guest: built Debian's ${g.version} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`kernel: ${g.kernel}\ninitrd: ${g.initrd}\n`);
  return 0;
}
