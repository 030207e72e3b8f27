// Proleptic Gregorian calendar arithmetic for the RTC (drivers/rtc-cmos.ts),
// in integers: Howard Hinnant's days_from_civil / civil_from_days
// ("chrono-Compatible Low-Level Date Algorithms"). Time is counted in
// seconds from 1600-03-01 00:00:00, so that every date from then on is a
// positive number (a guest's century byte can say 16 to 99), and the Unix
// epoch is UNIX_EPOCH seconds. Earlier dates are pinned to the start.
// 400-year eras of 146097 days: days since 0000-03-01 minus 4 eras.
const DAYS_TO_1600_03_01: i64 = 4 * 146097;
// Days from 1600-03-01 to 1970-01-01 (719468 from 0000-03-01).
const DAYS_TO_1970: i64 = 719468 - DAYS_TO_1600_03_01;
export const SECONDS_PER_DAY: u64 = 86400;
export const UNIX_EPOCH: u64 = <u64>DAYS_TO_1970 * SECONDS_PER_DAY;

// A broken-down time, as the RTC's registers hold it (binary values).
export class DateTime {
  year: u32 = 2000;    // full year
  month: u32 = 1;      // 1-12
  day: u32 = 1;        // 1-31
  hour: u32 = 0;       // 0-23
  minute: u32 = 0;
  second: u32 = 0;
  weekday: u32 = 7;    // 1-7, Sunday = 1 (MC146818A "day of week")
}

// Seconds since 1600-03-01 of a date; out-of-range fields (day 31 of
// February, month 13) carry over as the arithmetic gives, never trap.
export function secondsOf(t: DateTime): u64 {
  const m = <i64>(t.month < 1 ? 1 : t.month > 12 ? 12 : t.month);
  const y = <i64>t.year - (m <= 2 ? 1 : 0);
  const era = y / 400;           // y >= 0 for the years an RTC can hold
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;       // March = 0
  const doy = (153 * mp + 2) / 5 + <i64>t.day - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  let days = era * 146097 + doe - DAYS_TO_1600_03_01;
  if (days < 0) days = 0;        // before 1600: pinned to the start
  return <u64>days * SECONDS_PER_DAY + <u64>t.hour * 3600 + <u64>t.minute * 60 + <u64>t.second;
}

// The date of `seconds` since 1600-03-01, into `t`.
export function dateOf(seconds: u64, t: DateTime): void {
  const days = seconds / SECONDS_PER_DAY;
  const tod = <u32>(seconds % SECONDS_PER_DAY);
  t.hour = tod / 3600;
  t.minute = tod / 60 % 60;
  t.second = tod % 60;
  // 1600-03-01 was a Wednesday (weekday 4 when Sunday is 1).
  t.weekday = <u32>((days + 3) % 7) + 1;
  const z = <i64>days + DAYS_TO_1600_03_01;
  const era = z / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  t.day = <u32>(doy - (153 * mp + 2) / 5 + 1);
  t.month = <u32>(mp < 10 ? mp + 3 : mp - 9);
  t.year = <u32>(yoe + era * 400 + (t.month <= 2 ? 1 : 0));
}

// The first second after `after` whose time of day is hour:minute:second,
// where -1 in a field matches any value (the RTC alarm's "don't care"), or
// 0xffffffffffffffff if none within two days (then none ever).
export function nextTimeOfDay(after: u64, hour: i32, minute: i32, second: i32): u64 {
  const t = after + 1;
  const tod = <u32>(t % SECONDS_PER_DAY);
  const midnight = t - <u64>tod;
  for (let day: u32 = 0; day < 2; day++) {
    const from: u32 = day == 0 ? tod : 0;
    for (let h: u32 = 0; h < 24; h++) {
      if ((hour >= 0 && h != <u32>hour) || h * 3600 + 3599 < from) continue;
      for (let m: u32 = 0; m < 60; m++) {
        const base = h * 3600 + m * 60;
        if ((minute >= 0 && m != <u32>minute) || base + 59 < from) continue;
        const s: u32 = second >= 0 ? <u32>second : (base < from ? from - base : 0);
        if (base + s < from) continue;
        return midnight + <u64>day * SECONDS_PER_DAY + <u64>(base + s);
      }
    }
  }
  return 0xffffffffffffffff;
}
