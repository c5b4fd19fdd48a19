import { useEffect, useReducer } from 'react';
import { initialPlaylist, keyAction, playlistReducer, sceneFromHash } from './playlist.js';
import type { PlaylistAction, PlaylistConfig, PlaylistState } from './playlist.js';

const TICK_MS = 250;

/**
 * The playlist on the page: a timer for the rotation, the keyboard (and presenter clickers,
 * which send PageUp/PageDown), the hash as a remote control (`#scene=cases`), and the jump to
 * the cases scene while a new critical alert flashes. The current scene is written back to the
 * hash (replaceState: no history entry per rotation).
 */
export function usePlaylist(
  config: PlaylistConfig,
  criticalIds: string[],
): [PlaylistState, (a: PlaylistAction) => void] {
  const [state, dispatch] = useReducer(
    (s: PlaylistState, a: PlaylistAction) => playlistReducer(config, s, a),
    null,
    () => initialPlaylist(config, Date.now(), sceneFromHash(window.location.hash)),
  );

  useEffect(() => {
    const id = setInterval(() => dispatch({ type: 'tick', now: Date.now() }), TICK_MS);
    return () => clearInterval(id);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
      const a = keyAction(e.key, Date.now());
      if (!a) return;
      e.preventDefault();
      dispatch(a);
    };
    const onHash = (): void => {
      const scene = sceneFromHash(window.location.hash);
      if (scene) dispatch({ type: 'goto', scene, now: Date.now() });
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  const key = criticalIds.join(' ');
  useEffect(() => {
    dispatch({ type: 'criticals', alertIds: key ? key.split(' ') : [], now: Date.now() });
  }, [key]);

  useEffect(() => {
    if (sceneFromHash(window.location.hash) === state.scene) return;
    const url = new URL(window.location.href);
    url.hash = `scene=${state.scene}`;
    window.history.replaceState(window.history.state, '', url);
  }, [state.scene]);

  return [state, dispatch];
}
