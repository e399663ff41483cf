/**
 * Maintenance-window maths. A window is a start and end wall-clock time on given weekdays in a time
 * zone; a window whose end is earlier than its start runs past midnight into the next day (the day
 * named is the day it opens). Wall-clock times are resolved in the zone at that date, so DST moves
 * the UTC instant as people expect.
 */

export interface MaintenanceWindow {
  days: string[];
  start: string;
  end: string;
  timezone: string;
}

export interface WindowDecision {
  inWindow: boolean;
  /** when the current window opened (in window) or the next one opens (outside) */
  opensAt: string;
  closesAt: string;
}

const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const parseHhmm = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** The wall-clock date parts of an instant in a zone. */
const zonedParts = (instant: Date, timeZone: string) => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
};

/** Offset of a zone from UTC at an instant, in ms. */
const offsetAt = (instant: Date, timeZone: string): number => {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
};

/** The UTC instant of a wall-clock time on a calendar date in a zone. */
const zonedToUtc = (
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  timeZone: string,
): Date => {
  const guess = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const first = guess - offsetAt(new Date(guess), timeZone);
  return new Date(guess - offsetAt(new Date(first), timeZone));
};

/** Whether `now` is inside the window, and when the current or next window opens and closes. */
export const decideWindow = (now: Date, window: MaintenanceWindow): WindowDecision => {
  const startMinute = parseHhmm(window.start);
  const endMinute = parseHhmm(window.end);
  const lengthMs = ((((endMinute - startMinute) % (24 * 60)) + 24 * 60) % (24 * 60)) * MINUTE;
  const today = zonedParts(now, window.timezone);
  const todayUtcMidnight = Date.UTC(today.year, today.month - 1, today.day);
  // Yesterday's window may still be open (past midnight); look one day back, then 7 ahead.
  for (let offset = -1; offset <= 7; offset++) {
    const date = new Date(todayUtcMidnight + offset * DAY);
    const weekday = WEEKDAYS[date.getUTCDay()] ?? '';
    if (!window.days.includes(weekday)) continue;
    const opens = zonedToUtc(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      startMinute,
      window.timezone,
    );
    const closes = new Date(opens.getTime() + lengthMs);
    if (now < closes) {
      return { inWindow: now >= opens, opensAt: opens.toISOString(), closesAt: closes.toISOString() };
    }
  }
  throw new Error(`window ${JSON.stringify(window)} never opens in the next 7 days`);
};
