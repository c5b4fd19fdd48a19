import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { DESIGN_HEIGHT, DESIGN_WIDTH, fitWall } from './fit.js';
import type { WallFit, WallPreset } from './fit.js';

/** the fit, and the device pixel ratio the charts render their canvases at (× the fit's scale) */
export type StageFit = WallFit & { dpr: number };

const DEFAULT_FIT: StageFit = {
  dpr: 1,
  preset: 'auto',
  width: DESIGN_WIDTH,
  height: DESIGN_HEIGHT,
  scale: 1,
  offsetX: 0,
  offsetY: 0,
  wide: false,
};

/** The current fit, for the charts (their canvas resolution) and the scenes (which layout). */
export const WallFitContext = createContext<StageFit>(DEFAULT_FIT);
export const useWallFit = (): StageFit => useContext(WallFitContext);

/** The viewport, and the device pixel ratio (a window moved to another screen changes it without a resize). */
function useViewport(): { w: number; h: number; dpr: number } {
  const read = () => ({ w: window.innerWidth, h: window.innerHeight, dpr: window.devicePixelRatio || 1 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    let mq: MediaQueryList | null = null;
    const on = (): void => {
      setSize(read());
      watchDpr();
    };
    const watchDpr = (): void => {
      mq?.removeEventListener('change', on);
      mq = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
      mq.addEventListener('change', on);
    };
    watchDpr();
    window.addEventListener('resize', on);
    return () => {
      window.removeEventListener('resize', on);
      mq?.removeEventListener('change', on);
    };
  }, []);
  return size;
}

/**
 * The design canvas, scaled to the viewport with one transform. Its size is in design px, so
 * everything inside (CSS and ECharts alike) is laid out as on a 1920×1080 (or wider) screen.
 */
export function Stage({ preset, children }: { preset: WallPreset; children: (fit: WallFit) => ReactNode }) {
  const { w, h, dpr } = useViewport();
  const fit = useMemo(() => ({ ...fitWall(w, h, preset), dpr }), [w, h, preset, dpr]);
  return (
    <WallFitContext.Provider value={fit}>
      <div
        className={`stage${fit.wide ? ' stage-wide' : ''}`}
        data-testid="stage"
        data-wall-scale={fit.scale.toFixed(4)}
        data-wall-width={fit.width}
        data-wall-height={fit.height}
        data-wall-layout={fit.wide ? 'wide' : 'standard'}
        style={{
          width: `${fit.width}px`,
          height: `${fit.height}px`,
          transform: `translate(${fit.offsetX}px, ${fit.offsetY}px) scale(${fit.scale})`,
        }}
      >
        {children(fit)}
      </div>
    </WallFitContext.Provider>
  );
}
