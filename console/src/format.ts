/** Times are shown in Asia/Shanghai whatever the browser's own time zone, as the register records them for the city. */
const shanghai = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export function shanghaiTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = Object.fromEntries(shanghai.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The date part only (YYYY-MM-DD) in Asia/Shanghai. */
export const shanghaiDate = (iso: string | null | undefined): string => shanghaiTime(iso).slice(0, 10);

/** A <input type="datetime-local"> value read as Shanghai time, as an ISO instant. */
export function fromShanghaiInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(`${value}:00+08:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export const shortId = (id: string | null | undefined): string => (id ? id.slice(0, 8) : '—');
