import { categoryIndex } from '@cityops/city';
import { parseCityEvent } from '@cityops/schema';
import { describe, expect, it } from 'vitest';
import { defaultCity, ms, runSmall } from '../test/fixture.js';
import { RESPONSE_DEADLINE_MS } from './hotline.js';

const small = { seed: 7, hours: 0.25, sensors: 600, vehicles: 150, ticketsPerHour: 800, incidentsPerHour: 20 };

describe('the scenario engine', () => {
  const a = runSmall(small);

  it('gives the same events and ground truth for the same seed and options', () => {
    const b = runSmall(small);
    expect(b.events.length).toBeGreaterThan(1000);
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    expect(JSON.stringify(b.truth)).toBe(JSON.stringify(a.truth));
  });

  it('gives different events for a different seed', () => {
    const c = runSmall({ ...small, seed: 8 });
    expect(JSON.stringify(c.events.slice(0, 200))).not.toBe(JSON.stringify(a.events.slice(0, 200)));
  });

  it('produces events in event-time order, inside the scenario window, with unique ids', () => {
    const start = a.scenario.startMs;
    const end = a.scenario.endMs;
    let last = -Infinity;
    for (const e of a.events) {
      const t = ms(e.eventTime);
      expect(t).toBeGreaterThanOrEqual(last);
      expect(t).toBeGreaterThanOrEqual(start);
      expect(t).toBeLessThan(end);
      last = t;
    }
    expect(new Set(a.events.map((e) => e.id)).size).toBe(a.events.length);
  });

  it('produces only events that pass the canonical schema, lie inside the city and use codes of the taxonomy', () => {
    const { pack, index } = defaultCity();
    const codes = categoryIndex(pack.taxonomy);
    const failures: string[] = [];
    for (const e of a.events) {
      const parsed = parseCityEvent(e);
      if (!parsed.ok) failures.push(`${e.id}: ${parsed.reason}`);
      if (!index.locate(e.location.lon, e.location.lat).inside) failures.push(`${e.id}: outside the city`);
      const cat = codes.get(e.category.code);
      if (!cat || cat.kind !== e.category.kind)
        failures.push(`${e.id}: category ${e.category.kind} ${e.category.code}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('produces all three event types, every sensor kind and several logistics companies', () => {
    const types = new Set(a.events.map((e) => e.type));
    expect([...types].sort()).toEqual(['delivery.vehicle', 'hotline.ticket', 'sensor.reading']);
    const kinds = new Set(a.events.filter((e) => e.type === 'sensor.reading').map((e) => e.payload.kind));
    expect(kinds.size).toBe(6);
    const companies = new Set(a.events.filter((e) => e.type === 'delivery.vehicle').map((e) => e.payload.company));
    expect(companies.size).toBeGreaterThanOrEqual(5);
    const heartbeats = a.events.filter((e) => e.payload.status === 'heartbeat');
    expect(heartbeats.length).toBeGreaterThan(100);
  });

  it('has legal stops in loading zones and illegal ones on the carriageway, and says which truthfully', () => {
    const { index } = defaultCity();
    const stops = a.events.filter((e) => e.type === 'delivery.vehicle' && e.payload.state !== 'moving');
    const legal = stops.filter((e) => e.payload.inLoadingZone === true);
    const illegal = stops.filter((e) => e.payload.inLoadingZone === false);
    expect(legal.length).toBeGreaterThan(0);
    expect(illegal.length).toBeGreaterThan(legal.length);
    for (const e of legal) expect(index.inLoadingZone(e.location.lon, e.location.lat)).not.toBeNull();
    for (const e of illegal) expect(index.inLoadingZone(e.location.lon, e.location.lat)).toBeNull();
  });
});

describe('12345 tickets', () => {
  // eight hours without sensors or vans (fast), so the first hour's tickets reach their callbacks
  const run = runSmall({ seed: 3, hours: 8, sensors: 0, vehicles: 0, ticketsPerHour: 300, incidentsPerHour: 0 });
  const tickets = new Map<
    string,
    Array<{ stage: string; t: number; assignee?: unknown; satisfied?: unknown; code: string }>
  >();
  for (const e of run.events) {
    if (e.type !== 'hotline.ticket') continue;
    const list = tickets.get(String(e.payload.ticketId)) ?? [];
    list.push({
      stage: String(e.payload.stage),
      t: ms(e.eventTime),
      assignee: e.payload.assignee,
      satisfied: e.payload.satisfied,
      code: e.category.code,
    });
    tickets.set(String(e.payload.ticketId), list);
  }
  const order = ['received', 'dispatched', 'responded', 'resolved', 'callback'];

  it('live through their stages in order, each stage once, with one category and an assignee from dispatch on', () => {
    expect(tickets.size).toBeGreaterThan(1000);
    for (const [id, stages] of tickets) {
      const names = stages.map((s) => s.stage);
      // a prefix of the lifecycle: stages in order, none skipped, none repeated
      expect(names, id).toEqual(order.slice(0, names.length));
      for (let i = 1; i < stages.length; i++) expect(stages[i]!.t).toBeGreaterThanOrEqual(stages[i - 1]!.t);
      expect(new Set(stages.map((s) => s.code)).size).toBe(1);
      for (const s of stages.slice(1)) expect(typeof s.assignee).toBe('string');
      const cb = stages.find((s) => s.stage === 'callback');
      if (cb) expect(typeof cb.satisfied).toBe('boolean');
    }
  });

  it('give computable rates that are high but not perfect: some unresponded, unresolved, late and unsatisfied', () => {
    // tickets received in the first hour have had seven hours to finish
    const early = [...tickets.values()].filter(
      (s) => s[0]!.stage === 'received' && s[0]!.t < run.scenario.startMs + 3600_000,
    );
    const has = (s: (typeof early)[number], stage: string) => s.some((x) => x.stage === stage);
    const responded = early.filter((s) => has(s, 'responded')).length / early.length;
    const resolved = early.filter((s) => has(s, 'resolved')).length / early.length;
    const callbacks = early.flatMap((s) => s.filter((x) => x.stage === 'callback'));
    const satisfied = callbacks.filter((c) => c.satisfied === true).length / callbacks.length;
    const late = early.filter((s) => {
      const r = s.find((x) => x.stage === 'responded');
      const deadline = s[0]!.code.startsWith('E.05') ? RESPONSE_DEADLINE_MS.urgent : RESPONSE_DEADLINE_MS.normal;
      return r !== undefined && r.t - s[0]!.t > deadline;
    }).length;
    expect(responded).toBeGreaterThan(0.9);
    expect(responded).toBeLessThan(1);
    expect(resolved).toBeGreaterThan(0.8);
    expect(resolved).toBeLessThan(responded);
    expect(satisfied).toBeGreaterThan(0.8);
    expect(satisfied).toBeLessThan(1);
    expect(late).toBeGreaterThan(0);
  });

  it('follow the time of day: more calls at 10:00 than at 04:00', () => {
    const night = runSmall({
      seed: 3,
      hours: 1,
      start: '2025-06-02T03:30:00+08:00',
      sensors: 0,
      vehicles: 0,
      ticketsPerHour: 600,
      incidentsPerHour: 0,
    });
    const day = runSmall({
      seed: 3,
      hours: 1,
      start: '2025-06-02T10:00:00+08:00',
      sensors: 0,
      vehicles: 0,
      ticketsPerHour: 600,
      incidentsPerHour: 0,
    });
    const received = (r: typeof day) => r.events.filter((e) => e.payload.stage === 'received').length;
    expect(received(day)).toBeGreaterThan(4 * received(night));
  });
});
