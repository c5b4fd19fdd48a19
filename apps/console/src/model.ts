import type { CaseClockView, CaseStateLabel, CaseSummaryView } from '@cityops/schema';

/** zh first, English beside: the console's vocabulary, one place. */
export const STATE_LABEL: Record<CaseStateLabel, [string, string]> = {
  raised: ['待确认', 'Raised'],
  acknowledged: ['已确认', 'Acknowledged'],
  dispatched: ['已吹哨', 'Dispatched'],
  on_site: ['已报到', 'On site'],
  resolved: ['已办结', 'Resolved'],
  closed: ['已关闭', 'Closed'],
  clear_pending: ['待确认消除', 'Clear pending'],
  merged: ['已合并', 'Merged'],
};

export const LEVEL_LABEL: Record<'routine' | 'priority' | 'emergency', [string, string]> = {
  routine: ['常规哨', 'Routine'],
  priority: ['重点哨', 'Priority'],
  emergency: ['应急哨', 'Emergency'],
};

export const STEP_LABEL: Record<CaseClockView['step'], [string, string]> = {
  ack: ['确认', 'Ack'],
  onsite: ['报到', 'On site'],
  resolve: ['办结', 'Resolve'],
};

export const SEVERITY_LABEL: Record<string, [string, string]> = {
  critical: ['紧急', 'Critical'],
  major: ['重要', 'Major'],
  minor: ['一般', 'Minor'],
  info: ['提示', 'Info'],
};

export type ActionName =
  | 'ack'
  | 'dispatch'
  | 'checkin'
  | 'resolve'
  | 'close'
  | 'comment'
  | 'escalate'
  | 'reassign'
  | 'reopen'
  | 'confirm_clear';

/** the console's actions with their keyboard shortcut and label */
export const ACTIONS: Array<{ name: ActionName; key: string; zh: string; en: string }> = [
  { name: 'ack', key: 'a', zh: '确认', en: 'Acknowledge' },
  { name: 'dispatch', key: 'd', zh: '吹哨派单', en: 'Dispatch' },
  { name: 'checkin', key: 'i', zh: '报到', en: 'Check in' },
  { name: 'resolve', key: 'r', zh: '办结', en: 'Resolve' },
  { name: 'close', key: 'x', zh: '关闭反馈', en: 'Close' },
  { name: 'comment', key: 'm', zh: '备注', en: 'Comment' },
  { name: 'escalate', key: 'e', zh: '升级', en: 'Escalate' },
  { name: 'reassign', key: 'g', zh: '改派', en: 'Reassign' },
  { name: 'reopen', key: 'o', zh: '重新打开', en: 'Reopen' },
  { name: 'confirm_clear', key: 'c', zh: '确认消除', en: 'Confirm clear' },
];

export interface Me {
  username: string;
  roles: string[];
  departmentId?: string;
}

const has = (me: Me, ...roles: string[]) => me.roles.includes('admin') || roles.some((r) => me.roles.includes(r));

/** Which actions this user may try on this case now (the server decides; this only hides dead buttons). */
export function actionsFor(me: Me, c: Pick<CaseSummaryView, 'state' | 'lead' | 'assist' | 'checkedIn'>): ActionName[] {
  const officer = has(me, 'officer', 'supervisor');
  const dept = me.roles.includes('department') ? me.departmentId : undefined;
  const sentToMe = !!dept && (c.lead === dept || (c.assist ?? []).includes(dept));
  const open = ['raised', 'acknowledged', 'dispatched', 'on_site'].includes(c.state);
  const out: ActionName[] = [];
  if (officer && c.state === 'raised') out.push('ack');
  if (officer && (c.state === 'acknowledged' || c.state === 'raised')) out.push('dispatch');
  if (
    (sentToMe || has(me, 'supervisor')) &&
    (c.state === 'dispatched' || c.state === 'on_site') &&
    !(dept && (c.checkedIn ?? []).includes(dept))
  )
    out.push('checkin');
  if ((c.lead === dept || has(me, 'supervisor')) && (c.state === 'on_site' || c.state === 'dispatched'))
    out.push('resolve');
  if (officer && c.state === 'resolved') out.push('close');
  if (officer || sentToMe) out.push('comment');
  if (officer && open) out.push('escalate');
  if (has(me, 'supervisor') && (c.state === 'dispatched' || c.state === 'on_site')) out.push('reassign');
  if (officer && (c.state === 'resolved' || c.state === 'closed' || c.state === 'clear_pending')) out.push('reopen');
  if (officer && c.state === 'clear_pending') out.push('confirm_clear');
  return out;
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, major: 1, minor: 2, info: 3 };
const OPEN: ReadonlySet<string> = new Set([
  'raised',
  'acknowledged',
  'dispatched',
  'on_site',
  'clear_pending',
  'resolved',
]);

/** the queue: open work first; overdue first; then the nearest deadline, severity, age */
export function byUrgency(a: CaseSummaryView, b: CaseSummaryView): number {
  return (
    Number(OPEN.has(b.state)) - Number(OPEN.has(a.state)) ||
    Number(b.overdue) - Number(a.overdue) ||
    (a.nextDueAt ?? '~').localeCompare(b.nextDueAt ?? '~') ||
    (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
    a.raisedAt.localeCompare(b.raisedAt) ||
    a.id.localeCompare(b.id)
  );
}

/** the clock a case is racing now: the open step due first */
export function runningClock(c: Pick<CaseSummaryView, 'clocks'>): CaseClockView | undefined {
  return c.clocks.filter((k) => !k.doneAt && !k.stoppedAt).sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
}

/** "12:04" left, or "-03:10" overdue (h:mm:ss past an hour); `overdue` also when the server says so */
export function clockText(dueAt: string, serverNow: number, serverOverdue = false): { text: string; overdue: boolean } {
  const ms = Date.parse(dueAt) - serverNow;
  const overdue = serverOverdue || ms < 0;
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  const body = h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
  return { text: `${ms < 0 ? '-' : ''}${body}`, overdue };
}

/** the cases a department user works on: those sent to its department */
export function departmentCases(cases: CaseSummaryView[], departmentId: string): CaseSummaryView[] {
  return cases.filter((c) => c.lead === departmentId || (c.assist ?? []).includes(departmentId));
}
