import { describe, expect, it } from 'vitest';
import { childEnv, metricsPorts, metricsUrls } from './metrics-ports.js';

describe('metricsPorts', () => {
  it('gives the aggregator PORT+1, the simulator PORT+2 and the detector PORT+3', () => {
    expect(metricsPorts({ PORT: 8080 })).toEqual({
      '@cityops/aggregator': 8081,
      '@cityops/simulator': 8082,
      '@cityops/detector': 8083,
    });
  });

  it('takes any free port (0) for each when PORT is 0 or the port would pass 65535', () => {
    expect(metricsPorts({ PORT: 0 })).toEqual({
      '@cityops/aggregator': 0,
      '@cityops/simulator': 0,
      '@cityops/detector': 0,
    });
    expect(metricsPorts({ PORT: 65534 })).toEqual({
      '@cityops/aggregator': 65535,
      '@cityops/simulator': 0,
      '@cityops/detector': 0,
    });
  });

  it('sets METRICS_PORT in the child environment of those apps only', () => {
    const ports = metricsPorts({ PORT: 9000 });
    expect(childEnv('@cityops/aggregator', ports).METRICS_PORT).toBe('9001');
    expect(childEnv('@cityops/simulator', ports).METRICS_PORT).toBe('9002');
    expect(childEnv('@cityops/gateway', ports)).toBe(process.env);
  });

  it('logs where each app serves /metrics', () => {
    const apps = ['@cityops/aggregator', '@cityops/gateway', '@cityops/simulator'];
    const config = { HOST: '127.0.0.1', PORT: 8080, METRICS_HOST: '127.0.0.1' };
    expect(metricsUrls(config, apps, metricsPorts(config))).toBe(
      '/metrics: aggregator http://127.0.0.1:8081/metrics, gateway http://127.0.0.1:8080/metrics, simulator http://127.0.0.1:8082/metrics',
    );
    expect(metricsUrls({ ...config, PORT: 0 }, apps.slice(0, 1), metricsPorts({ PORT: 0 }))).toBe(
      '/metrics: aggregator 127.0.0.1:<a free port, logged by the app>',
    );
  });
});
