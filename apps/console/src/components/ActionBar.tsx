import { useEffect, useRef, useState, type FormEvent } from 'react';
import { typing } from '../hooks.js';
import { ACTIONS, type ActionName, type Me } from '../model.js';
import type { FullCase } from './case-types.js';

type Field =
  | { name: string; zh: string; en: string; kind: 'text' | 'textarea'; required?: boolean; initial?: string }
  | { name: string; zh: string; en: string; kind: 'select'; options: Array<[string, string]>; initial: string }
  | {
      name: string;
      zh: string;
      en: string;
      kind: 'number';
      initial: string;
      step?: string;
      min?: number;
      max?: number;
    };

function fieldsOf(action: ActionName, c: FullCase, me: Me): Field[] {
  const rating = (name: string, zh: string, en: string, initial = '4'): Field => ({
    name,
    zh,
    en,
    kind: 'select',
    options: ['5', '4', '3', '2', '1'].map((n) => [n, `${n} ★`]),
    initial,
  });
  const dept = me.roles.includes('department') ? (me.departmentId ?? '') : (c.dispatch?.lead ?? '');
  switch (action) {
    case 'ack':
      return [{ name: 'note', zh: '备注', en: 'Note', kind: 'text' }];
    case 'dispatch':
      return [
        {
          name: 'level',
          zh: '哨级',
          en: 'Level',
          kind: 'select',
          options: [
            ['emergency', '应急哨 Emergency'],
            ['priority', '重点哨 Priority'],
            ['routine', '常规哨 Routine'],
          ],
          initial: c.alert.severity === 'critical' ? 'emergency' : 'priority',
        },
        {
          name: 'lead',
          zh: '主责部门',
          en: 'Lead',
          kind: 'text',
          required: true,
          initial: c.alert.suggested.lead ?? '',
        },
        {
          name: 'assist',
          zh: '配合部门',
          en: 'Assisting (comma-separated)',
          kind: 'text',
          initial: c.alert.suggested.assist.join(', '),
        },
        { name: 'note', zh: '备注', en: 'Note', kind: 'text' },
      ];
    case 'checkin':
      return [
        { name: 'departmentId', zh: '部门', en: 'Department', kind: 'text', required: true, initial: dept },
        { name: 'lon', zh: '经度', en: 'Longitude', kind: 'number', step: 'any', initial: String(c.alert.place.lon) },
        { name: 'lat', zh: '纬度', en: 'Latitude', kind: 'number', step: 'any', initial: String(c.alert.place.lat) },
        { name: 'note', zh: '备注', en: 'Note', kind: 'text' },
      ];
    case 'resolve':
      return [
        { name: 'departmentId', zh: '部门', en: 'Department', kind: 'text', required: true, initial: dept },
        { name: 'notes', zh: '处置情况', en: 'Notes', kind: 'textarea', required: true },
        { name: 'photoUrl', zh: '照片链接', en: 'Photo link', kind: 'text' },
        rating('whistleRating', '评价吹哨', 'Rate the whistle', '5'),
      ];
    case 'close':
      return [
        { name: 'feedback', zh: '反馈来源', en: 'Feedback to the source', kind: 'textarea', required: true },
        rating('handlingRating', '评价处置', 'Rate the handling'),
      ];
    case 'comment':
      return [{ name: 'text', zh: '备注', en: 'Comment', kind: 'textarea', required: true }];
    case 'escalate':
    case 'reopen':
      return [{ name: 'reason', zh: '原因', en: 'Reason', kind: 'textarea', required: true }];
    case 'reassign':
      return [
        { name: 'lead', zh: '主责部门', en: 'Lead', kind: 'text', required: true, initial: c.dispatch?.lead ?? '' },
        { name: 'assist', zh: '配合部门', en: 'Assisting', kind: 'text', initial: c.dispatch?.assist.join(', ') ?? '' },
        { name: 'reason', zh: '原因', en: 'Reason', kind: 'textarea', required: true },
      ];
    case 'confirm_clear':
      return [{ name: 'note', zh: '备注', en: 'Note', kind: 'text' }];
  }
}

/** the request body of an action from its form values (empty optional fields left out) */
function bodyOf(action: ActionName, v: Record<string, string>, version: number): Record<string, unknown> {
  const out: Record<string, unknown> = { expectedVersion: version };
  const list = (s: string | undefined) =>
    (s ?? '')
      .split(/[,，\s]+/)
      .map((x) => x.trim())
      .filter(Boolean);
  for (const [k, val] of Object.entries(v)) {
    if (val === '' || k === 'lon' || k === 'lat' || k === 'assist') continue;
    out[k] = k.endsWith('Rating') ? Number(val) : val;
  }
  if (action === 'dispatch' || action === 'reassign') out.assist = list(v.assist).filter((d) => d !== v.lead);
  if (action === 'checkin') out.position = { lon: Number(v.lon), lat: Number(v.lat) };
  return out;
}

/**
 * The case's actions, each with a keyboard shortcut (shown on the button). A shortcut opens the
 * action's form with its first field focused; Enter sends, Escape closes.
 */
export function ActionBar({
  c,
  me,
  allowed,
  busy,
  onSubmit,
}: {
  c: FullCase;
  me: Me;
  allowed: ActionName[];
  busy: boolean;
  onSubmit: (action: ActionName, body: Record<string, unknown>) => Promise<boolean>;
}) {
  const [open, setOpen] = useState<ActionName | null>(null);
  // the version the officer saw when deciding: if the case moved on meanwhile, the desk answers 409
  const [seen, setSeen] = useState(c.version);
  const [values, setValues] = useState<Record<string, string>>({});
  const first = useRef<HTMLElement | null>(null);
  const start = (a: ActionName) => {
    setOpen(a);
    setSeen(c.version);
    setValues(Object.fromEntries(fieldsOf(a, c, me).map((f) => [f.name, 'initial' in f ? (f.initial ?? '') : ''])));
  };
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.key === 'Escape') return setOpen(null);
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const a = ACTIONS.find((x) => x.key === e.key && allowed.includes(x.name));
      if (a) {
        e.preventDefault();
        start(a.name);
      }
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  });
  useEffect(() => {
    if (open) first.current?.focus();
  }, [open]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!open) return;
    if (await onSubmit(open, bodyOf(open, values, seen))) setOpen(null);
  };
  const fields = open ? fieldsOf(open, c, me) : [];
  const label = open ? ACTIONS.find((a) => a.name === open)! : undefined;
  return (
    <div className="actions" data-testid="actions">
      <div className="action-buttons">
        {ACTIONS.filter((a) => allowed.includes(a.name)).map((a) => (
          <button
            key={a.name}
            type="button"
            onClick={() => start(a.name)}
            data-testid={`action-${a.name}`}
            disabled={busy}
          >
            {a.zh} <span className="en">{a.en}</span> <kbd>{a.key.toUpperCase()}</kbd>
          </button>
        ))}
        {allowed.length === 0 && <span className="en">此状态下无可用操作 · nothing you can do in this state</span>}
      </div>
      {open && label && (
        <form className="action-form" onSubmit={(e) => void submit(e)} data-testid={`form-${open}`}>
          <h3>
            {label.zh} <span className="en">{label.en}</span> <span className="en">· v{seen}</span>
          </h3>
          {fields.map((f, i) => (
            <label key={f.name}>
              {f.zh} <span className="en">{f.en}</span>
              {f.kind === 'select' ? (
                <select
                  name={f.name}
                  value={values[f.name] ?? ''}
                  ref={i === 0 ? (el) => void (first.current = el) : undefined}
                  onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                >
                  {f.options.map(([v, t]) => (
                    <option key={v} value={v}>
                      {t}
                    </option>
                  ))}
                </select>
              ) : f.kind === 'textarea' ? (
                <textarea
                  name={f.name}
                  required={f.required}
                  value={values[f.name] ?? ''}
                  ref={i === 0 ? (el) => void (first.current = el) : undefined}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && !e.shiftKey) {
                      e.preventDefault();
                      (e.currentTarget.form as HTMLFormElement).requestSubmit();
                    }
                  }}
                  onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                />
              ) : (
                <input
                  name={f.name}
                  type={f.kind === 'number' ? 'number' : 'text'}
                  step={f.kind === 'number' ? (f.step ?? 'any') : undefined}
                  required={'required' in f ? f.required : false}
                  value={values[f.name] ?? ''}
                  ref={i === 0 ? (el) => void (first.current = el) : undefined}
                  onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                />
              )}
            </label>
          ))}
          <div className="form-buttons">
            <button type="submit" disabled={busy} data-testid="action-submit">
              提交 <span className="en">Submit</span> <kbd>Enter</kbd>
            </button>
            <button type="button" onClick={() => setOpen(null)}>
              取消 <span className="en">Cancel</span> <kbd>Esc</kbd>
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
