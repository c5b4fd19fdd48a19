import type { Bus } from '@cityops/bus';
import { ErrorCodes, type AlertActionInput, type DeskActor } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { RECORD_ID_HEADER } from '@cityops/stream';
import { eventually, uniqueName } from '@cityops/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertDesk } from '../desk.js';
import { StateKeys } from '../model.js';
import { deskTopics, type DeskTopics } from '../topics.js';
import { verifyAuditTopic, verifyStoredTrail } from '../verify.js';
import { MIN, T0, alertEvent, command, dept, officer } from './fixtures.js';

export interface Backend {
  bus: Bus;
  store: Store;
  /** overwrites one keyed-state value of the desk, as someone with access to the store could */
  tamper(group: string, topic: string, partition: number, key: string, value: string): Promise<void>;
  /** the store loses everything (FLUSHALL, a Redis restarted without persistence) */
  loseStore(): Promise<void>;
  cleanup(): Promise<void>;
}

const TP = 'dept-traffic-police';
const here = { lon: 121.4, lat: 31.2 };

/** The desk end to end on one backend: intake → cases topic → fold → decisions, store, audit. */
export function deskSuite(name: string, open: () => Promise<Backend>, timeoutMs: number): void {
  describe(`the alert desk on ${name}`, () => {
    let backend: Backend;
    let topics: DeskTopics;
    let group: string;
    const desks: AlertDesk[] = [];

    const startDesk = async (): Promise<AlertDesk> => {
      const desk = new AlertDesk({
        bus: backend.bus,
        store: backend.store,
        group,
        topics,
        tickIntervalMs: 0, // the test moves event time by hand
        outboxIntervalMs: 50,
        submitTimeoutMs: 20_000,
        partitions: 2,
        departments: new Map([
          [TP, { onSiteMinutes: 15 }],
          ['dept-chengguan', {}],
        ]),
      });
      await desk.start();
      desks.push(desk);
      return desk;
    };

    const raise = async (alertId: string, at = T0) => {
      const a = alertEvent({ alertId, detectedAt: new Date(at).toISOString() });
      await backend.bus.publish(topics.alerts, [{ key: alertId, value: JSON.stringify(a) }]);
    };

    const caseAt = (desk: AlertDesk, id: string, version: number) =>
      eventually(
        async () => {
          const c = await desk.getCase(id);
          return c && c.version >= version ? c : undefined;
        },
        timeoutMs,
        `case ${id} at version ${version}`,
      );

    beforeEach(async () => {
      backend = await open();
      const suffix = uniqueName('desk');
      topics = deskTopics(suffix);
      group = `alert-desk.${suffix}`;
    });

    afterEach(async () => {
      for (const d of desks.splice(0)) await d.stop().catch(() => undefined);
      await backend.cleanup();
    });

    it(
      'two officers racing the same acknowledgement: exactly one wins, the other gets a conflict naming the winner',
      async () => {
        const desk = await startDesk();
        const ids = ['race-1', 'race-2', 'race-3'];
        for (const id of ids) await raise(id);
        for (const id of ids) await caseAt(desk, id, 1);
        const wang: DeskActor = { userId: 'wang', name: '王芳', role: 'officer' };
        const zhao: DeskActor = { userId: 'zhao', name: '赵磊', role: 'officer' };
        for (const id of ids) {
          const [a, b] = await Promise.all([
            desk.submit(command('ack', { caseId: id, expectedVersion: 1, actor: wang })),
            desk.submit(command('ack', { caseId: id, expectedVersion: 1, actor: zhao })),
          ]);
          const results = [a, b];
          expect(results.filter((r) => r.ok)).toHaveLength(1);
          const winner = results.find((r) => r.ok)!;
          const loser = results.find((r) => !r.ok)!;
          if (!winner.ok || loser.ok || !loser.conflict)
            throw new Error(`unexpected results ${JSON.stringify(results)}`);
          expect(loser.code).toBe(ErrorCodes.DESK_VERSION_CONFLICT);
          expect(loser.current.version).toBe(2);
          expect(loser.current.lastActor?.userId).toBe(winner.case.ack?.by.userId);
          expect(['王芳', '赵磊']).toContain(loser.current.lastActor?.name);
          const trail = await desk.audit(id);
          expect(trail.map((e) => e.action)).toEqual(['raised', 'ack']);
        }
      },
      timeoutMs * 3,
    );

    it(
      'the closed loop through submit; the trail verifies; altering one stored entry makes verification fail',
      async () => {
        const desk = await startDesk();
        await raise('loop-1');
        await caseAt(desk, 'loop-1', 1);
        const steps: Array<[AlertActionInput['action'], Record<string, unknown>]> = [
          ['ack', { actor: officer() }],
          ['dispatch', { level: 'emergency', lead: TP, assist: [] }],
          ['checkin', { actor: dept(TP), departmentId: TP, position: here }],
          ['resolve', { actor: dept(TP), departmentId: TP, notes: '已疏导', photoUrl: 'https://example.org/a.jpg' }],
          ['close', { feedback: '已反馈', handlingRating: 5, whistleRating: 4 }],
        ];
        let version = 1;
        for (const [action, fields] of steps) {
          const r = await desk.submit(command(action, { caseId: 'loop-1', expectedVersion: version, ...fields }));
          if (!r.ok) throw new Error(`${action} refused: ${r.code} ${r.reason}`);
          version = r.case.version;
        }
        const c = await desk.getCase('loop-1');
        expect(c).toMatchObject({ state: 'closed', version: 6, evaluation: { handling: 5, whistle: 4 } });
        expect(c?.dispatch?.archiveNo).toMatch(/^SH-2026-[01]-000001$/);
        const trail = await desk.audit('loop-1');
        expect(trail.map((e) => [e.action, e.actor.userId])).toEqual([
          ['raised', 'system'],
          ['ack', 'zhang'],
          ['dispatch', 'zhang'],
          ['checkin', `${TP}-user`],
          ['resolve', `${TP}-user`],
          ['close', 'zhang'],
        ]);
        expect(await desk.listCases({ state: 'closed', type: 'road_blockage', district: 'sh-putuo' })).toHaveLength(1);
        expect(await desk.listCases({ state: 'raised' })).toHaveLength(0);
        expect(await verifyStoredTrail(desk.reader)).toMatchObject({ ok: true, entries: 6 });
        await desk.flush();
        await eventually(
          async () => {
            const r = await verifyAuditTopic(backend.bus, topics.audit);
            return r.ok && r.entries === 6 ? r : undefined;
          },
          timeoutMs,
          'the audit topic copy',
        );

        // someone edits the dispatch entry in the store
        const partition = await partitionOf(desk, 'loop-1');
        const edited = { ...trail[2]!, details: { ...trail[2]!.details, level: 'routine' } };
        await backend.tamper(group, topics.cases, partition, StateKeys.audit('loop-1', 3), JSON.stringify(edited));
        expect(await verifyStoredTrail(desk.reader)).toMatchObject({ ok: false, caseId: 'loop-1', seq: 3 });
      },
      timeoutMs * 3,
    );

    it(
      'an overdue check-in escalates by itself when the desk clock passes its deadline (controllable clock)',
      async () => {
        const desk = await startDesk();
        await raise('late-1');
        await caseAt(desk, 'late-1', 1);
        // the desk's event time comes from ticks (and alert times), never from a command's own clock
        await desk.tick(T0 + 2 * MIN);
        const ack = await desk.submit(command('ack', { caseId: 'late-1', expectedVersion: 1, at: T0 + MIN }));
        expect(ack.ok).toBe(true);
        const d = await desk.submit(
          command('dispatch', {
            caseId: 'late-1',
            expectedVersion: 2,
            level: 'emergency',
            lead: TP,
            assist: [],
            at: T0 + 2 * MIN,
          }),
        );
        if (!d.ok) throw new Error(`dispatch refused: ${d.code}`);
        const due = d.case.clocks.find((k) => k.step === 'onsite')!.dueAt;
        expect(due).toBe(new Date(T0 + 2 * MIN + 15 * MIN).toISOString());
        await desk.tick(Date.parse(due) - 1);
        const partition = await partitionOf(desk, 'late-1');
        await eventually(
          async () => {
            const p = (await backend.store.readProgress(group))[`${topics.cases}:${partition}`];
            return p && p.watermark === Date.parse(due) - 1 ? p : undefined;
          },
          timeoutMs,
          'the tick before the deadline applied',
        );
        // one ms before the deadline: nothing happened
        expect(await desk.getCase('late-1')).toMatchObject({
          version: 3,
          overdue: false,
          escalation: { level: 'grid' },
        });
        await desk.tick(Date.parse(due) + 1);
        const c = await caseAt(desk, 'late-1', 4);
        expect(c.escalation).toEqual({ level: 'street', unitId: 's-1' });
        expect(c.overdue).toBe(true);
        const last = (await desk.audit('late-1')).at(-1)!;
        expect(last).toMatchObject({
          action: 'escalate',
          actor: { userId: 'system' },
          at: due,
          details: { auto: true, step: 'onsite', departmentId: TP, toLevel: 'street' },
        });
      },
      timeoutMs * 3,
    );

    it(
      'a restart keeps state and audit exact: no double entry, a resent command gets its first decision',
      async () => {
        const first = await startDesk();
        await raise('rs-1');
        await caseAt(first, 'rs-1', 1);
        const ackCmd = command('ack', { caseId: 'rs-1', expectedVersion: 1 });
        expect((await first.submit(ackCmd)).ok).toBe(true);
        await first.stop();
        desks.splice(desks.indexOf(first), 1);

        const second = await startDesk();
        const again = await second.submit(ackCmd);
        expect(again).toMatchObject({ ok: true, decision: { duplicate: true, version: 2 } });
        const r = await second.submit(command('comment', { caseId: 'rs-1', expectedVersion: 2, text: '重启后' }));
        expect(r.ok).toBe(true);
        const trail = await second.audit('rs-1');
        expect(trail.map((e) => [e.seq, e.action])).toEqual([
          [1, 'raised'],
          [2, 'ack'],
          [3, 'comment'],
        ]);
        expect(await verifyStoredTrail(second.reader)).toMatchObject({ ok: true, entries: 3 });
      },
      timeoutMs * 3,
    );

    it(
      'a store that lost everything rebuilds the same cases and the same trail from the log',
      async () => {
        const first = await startDesk();
        await raise('lost-1');
        await caseAt(first, 'lost-1', 1);
        await first.tick(T0 + 2 * MIN);
        expect((await first.submit(command('ack', { caseId: 'lost-1', expectedVersion: 1 }))).ok).toBe(true);
        const d = await first.submit(
          command('dispatch', { caseId: 'lost-1', expectedVersion: 2, level: 'emergency', lead: TP, assist: [] }),
        );
        expect(d.ok).toBe(true);
        await first.tick(T0 + 60 * MIN); // the check-in is overdue: escalations by the system
        const before = await caseAt(first, 'lost-1', 5);
        const trailBefore = await first.audit('lost-1');
        await first.stop();
        desks.splice(desks.indexOf(first), 1);

        await backend.loseStore();
        const second = await startDesk();
        const after = await caseAt(second, 'lost-1', before.version);
        expect(after).toEqual(before);
        expect(await second.audit('lost-1')).toEqual(trailBefore);
        expect(await verifyStoredTrail(second.reader)).toMatchObject({ ok: true, entries: trailBefore.length });
        expect(second.stats.desk.rebuilds).toBeGreaterThan(0);
      },
      timeoutMs * 3,
    );

    it(
      'bad input at the door: a malformed command is answered without publishing; a bad record on the topic is dead-lettered and decided',
      async () => {
        const desk = await startDesk();
        const r = await desk.submit({ v: 1, action: 'ack', caseId: 'x' });
        expect(r).toMatchObject({ ok: false, code: ErrorCodes.DESK_INVALID_COMMAND });
        const unknown = await desk.submit(command('ack', { caseId: 'no-such-case', expectedVersion: 1 }));
        expect(unknown).toMatchObject({ ok: false, code: ErrorCodes.DESK_UNKNOWN_CASE });
        // a client that skips validation: the intake dead-letters it and still answers the commandId
        await backend.bus.publish(topics.actions, [
          { key: 'x', value: JSON.stringify({ v: 1, commandId: 'raw-1', caseId: 'x', action: 'ack' }) },
          { key: 'x', value: '{not json' },
        ]);
        await eventually(
          async () => {
            const stats = desk.stats.intake;
            return stats.applied >= 2 ? stats : undefined;
          },
          timeoutMs,
          'intake applied the bad records',
        );
        await desk.flush();
        // the outbox publishes at least once: a record published twice keeps its id (R4), readers dedupe by it
        const byId = new Map<string, string>();
        const sub = await backend.bus.replay({
          topic: topics.dlq,
          eachBatch: async (b) => {
            for (const x of b.records) byId.set(x.headers?.[RECORD_ID_HEADER] ?? `offset-${x.offset}`, x.value);
          },
        });
        await sub.done;
        await sub.stop();
        const letters = [...byId.values()];
        expect(letters.map((l) => (JSON.parse(l) as { code: string }).code)).toEqual([
          ErrorCodes.DESK_INVALID_COMMAND,
          ErrorCodes.DESK_INVALID_COMMAND,
        ]);
      },
      timeoutMs * 3,
    );
  });
}

async function partitionOf(desk: AlertDesk, caseId: string): Promise<number> {
  const { partitionForKey } = await import('@cityops/bus');
  return partitionForKey(caseId, await desk.reader.partitions());
}
