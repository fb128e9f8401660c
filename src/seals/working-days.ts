/**
 * Art. 18(3): after a rename, new seals are applied for within 7 working days. Working days here are
 * Monday to Friday; public holidays and the adjusted working weekends of the State Council's yearly
 * calendar are not modelled (a deadline may so fall a day or two early around a holiday).
 */
export function addWorkingDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const dow = d.getUTCDay();
    if (dow !== 0 && dow !== 6) left -= 1;
  }
  return d.toISOString().slice(0, 10);
}

/** The calendar date (YYYY-MM-DD) in Asia/Shanghai (UTC+8 all year, no daylight saving) at an instant. */
export function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}
