import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireApiKey } from './api-key.js';

const KEY = 'k'.repeat(16);
const OTHER = 'another-key-0123456789';

describe('requireApiKey', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    app.get('/x', requireApiKey([KEY, OTHER]), (_req, res) => void res.json({ ok: true }));
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const status = async (headers: Record<string, string>) => (await fetch(url, { headers })).status;

  it('a present-but-empty X-API-Key does not override a valid Bearer token', async () => {
    expect(await status({ 'x-api-key': '', authorization: `Bearer ${KEY}` })).toBe(200);
    expect(await status({ 'x-api-key': '   ', authorization: `Bearer ${OTHER}` })).toBe(200);
  });

  it('accepts either header alone, and a valid key in one header beside a wrong one in the other', async () => {
    expect(await status({ 'x-api-key': KEY })).toBe(200);
    expect(await status({ authorization: `bearer ${OTHER}` })).toBe(200);
    expect(await status({ 'x-api-key': 'wrong-key-of-16-chars', authorization: `Bearer ${KEY}` })).toBe(200);
  });

  it('answers 401 for no key, empty keys, a wrong key, a prefix or an extension of a key', async () => {
    expect(await status({})).toBe(401);
    expect(await status({ 'x-api-key': '', authorization: 'Bearer ' })).toBe(401);
    expect(await status({ 'x-api-key': 'wrong-key-of-16-chars' })).toBe(401);
    expect(await status({ 'x-api-key': KEY.slice(0, 15) })).toBe(401);
    expect(await status({ authorization: `Bearer ${KEY}x` })).toBe(401);
    expect(await status({ authorization: KEY })).toBe(401);
  });

  it('no keys configured: 401 for everyone, also for an empty key', async () => {
    const app = express();
    app.get('/y', requireApiKey([]), (_req, res) => void res.json({ ok: true }));
    const s = createServer(app);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const u = `http://127.0.0.1:${(s.address() as AddressInfo).port}/y`;
    try {
      expect((await fetch(u, { headers: { 'x-api-key': '' } })).status).toBe(401);
      expect((await fetch(u, { headers: { authorization: 'Bearer ' } })).status).toBe(401);
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
});
