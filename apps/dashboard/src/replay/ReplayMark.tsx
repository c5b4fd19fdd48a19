import { useCallback, useEffect, useState } from 'react';
import { formatDate, formatClock } from '../format.js';
import { mayControlReplays, readReplay, seekReplay, type ReplayStatus } from './replay-api.js';
import { SPEEDS, replayIdFromUrl, sliderOf, speedChoiceOf, timeOfSlider, type SpeedChoice } from './replay-param.js';
import './replay.css';

const POLL_MS = 1_000;

/**
 * The 复盘 REPLAY mark of a wall opened with `?replay=<id>`: an orange frame round the whole
 * screen (so every scene is marked, whatever it shows) and a tag with the replayed event time, the
 * period, the speed and how far it is. Officers and admins also get the time slider (a seek) and
 * the speed. Renders nothing on the live wall. Mounted once, above the scenes (main.tsx).
 */
export function ReplayMark() {
  const [id] = useState(replayIdFromUrl);
  return id ? <ReplayMarkFor id={id} /> : null;
}

function ReplayMarkFor({ id }: { id: string }) {
  const [status, setStatus] = useState<ReplayStatus | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [control, setControl] = useState(false);
  const [dragging, setDragging] = useState<number | null>(null);

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const read = await readReplay(id).catch(() => ({ ok: false as const, code: 'unreachable', httpStatus: 0 }));
      if (stop) return;
      if (read.ok) {
        setStatus(read.status);
        setProblem(null);
      } else setProblem(read.httpStatus === 404 ? 'ended' : read.code);
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    void mayControlReplays().then((ok) => !stop && setControl(ok));
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [id]);

  const seek = useCallback(
    async (at: number, speed?: SpeedChoice) => {
      const read = await seekReplay(id, at, speed);
      if (read.ok) setStatus(read.status);
      else setProblem(read.code);
    },
    [id],
  );

  const from = status ? Date.parse(status.from) : 0;
  const to = status ? Date.parse(status.to) : 0;
  const position = status?.position ? Date.parse(status.position) : null;
  const shown = position ?? (status ? Date.parse(status.seekedTo) : null);
  const speed = status ? speedChoiceOf(status.speed) : 60;
  return (
    <>
      <div className="replay-frame" aria-hidden="true" />
      <div
        className={`replay-mark replay-${problem ? 'problem' : (status?.phase ?? 'starting')}`}
        data-replay="mark"
        data-replay-id={id}
        data-replay-phase={problem ?? status?.phase ?? 'starting'}
        role="status"
      >
        <span className="replay-tag">复盘 REPLAY</span>
        <span className="replay-time" data-replay-time={shown === null ? '' : new Date(shown).toISOString()}>
          {shown === null ? '—' : `${formatDate(shown)} ${formatClock(shown)}`}
        </span>
        {status && (
          <span className="replay-meta">
            {formatDate(from)} {formatClock(from)} → {formatDate(to)} {formatClock(to)} ·{' '}
            {status.speed === null ? '最快 max' : `${status.speed}×`} · {Math.round(status.progress * 100)}%
            {status.phase === 'done' ? ' · 已结束 done' : ''}
          </span>
        )}
        {problem && <span className="replay-problem">{problem === 'ended' ? '复盘已结束 replay ended' : problem}</span>}
      </div>
      {control && status && (
        <div className="replay-controls" data-replay="controls">
          <input
            type="range"
            min={0}
            max={1000}
            aria-label="复盘时间 replay time"
            value={dragging ?? sliderOf(shown ?? from, from, to)}
            onChange={(e) => setDragging(Number(e.target.value))}
            onPointerUp={() => {
              if (dragging !== null) void seek(timeOfSlider(dragging, from, to));
              setDragging(null);
            }}
            onKeyUp={() => {
              if (dragging !== null) void seek(timeOfSlider(dragging, from, to));
              setDragging(null);
            }}
          />
          <select
            aria-label="速度 speed"
            value={String(speed)}
            onChange={(e) => {
              const v = e.target.value === 'max' ? 'max' : Number(e.target.value);
              void seek(shown ?? from, v as SpeedChoice);
            }}
          >
            {SPEEDS.map((s) => (
              <option key={String(s)} value={String(s)}>
                {s === 'max' ? '最快 max' : `${s}×`}
              </option>
            ))}
          </select>
        </div>
      )}
    </>
  );
}
