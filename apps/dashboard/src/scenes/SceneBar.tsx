import { nextChangeAt, SCENE_LABELS, SCENES } from './playlist.js';
import type { PlaylistAction, PlaylistConfig, PlaylistState } from './playlist.js';

/**
 * Which scene is on the wall, which ones the playlist holds, how long until the next, and
 * whether it is paused or held on the cases scene by a critical alert. Each scene can be
 * clicked (and has its digit key).
 */
export function SceneBar({
  config,
  state,
  now,
  issues,
  dispatch,
}: {
  config: PlaylistConfig;
  state: PlaylistState;
  now: number;
  issues: string[];
  dispatch: (a: PlaylistAction) => void;
}) {
  const due = nextChangeAt(config, state);
  const left = due === null ? null : Math.max(0, Math.ceil((due - now) / 1000));
  return (
    <nav
      className="scene-bar"
      data-testid="scene-indicator"
      data-scene={state.scene}
      data-paused={String(state.paused)}
      data-jump={String(state.jump !== null)}
    >
      {SCENES.map((s, i) => (
        <button
          key={s}
          type="button"
          className={`scene-tab${s === state.scene ? ' is-current' : ''}${config.scenes.includes(s) ? ' in-playlist' : ''}`}
          data-scene-tab={s}
          onClick={() => dispatch({ type: 'goto', scene: s, now: Date.now() })}
        >
          <span className="scene-key">{i + 1}</span>
          <span className="zh">{SCENE_LABELS[s].zh}</span> <span className="en">{SCENE_LABELS[s].en}</span>
        </button>
      ))}
      <span className="scene-status">
        {state.jump ? (
          <span className="scene-jump">特别严重告警 · 已切换至案件 critical alert: showing cases</span>
        ) : state.paused ? (
          <span className="scene-paused">❚❚ 已暂停 paused (空格 space)</span>
        ) : left !== null ? (
          <span className="scene-next">
            {left}s 后切换 next in {left}s
          </span>
        ) : null}
        {issues.length > 0 ? (
          <span className="scene-issues" title={issues.join('\n')}>
            ⚠ {issues[0]}
            {issues.length > 1 ? ` (+${issues.length - 1})` : ''}
          </span>
        ) : null}
      </span>
    </nav>
  );
}
