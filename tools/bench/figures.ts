// The arithmetic the benchmark's reports share: medians of repeated runs,
// and a ratio against a baseline measured in the same run.

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error("median of no figures");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// How many times the baseline's figure `measured` is: 1.23 is 23 % slower.
export function ratio(measured: number, baseline: number): number {
  if (!(baseline > 0)) throw new Error(`a ratio against a baseline of ${baseline}`);
  return measured / baseline;
}

export const formatRatio = (r: number) => `${r.toFixed(2)}x`;

// A share of a whole, as a percentage with one decimal ("12.3%").
export const formatShare = (part: number, whole: number) => `${whole > 0 ? ((100 * part) / whole).toFixed(1) : "0.0"}%`;
