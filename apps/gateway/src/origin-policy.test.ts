import { describe, expect, it } from 'vitest';
import { originAllowed } from './origin-policy.js';

describe('originAllowed', () => {
  it('default: the same origin as Host, on any host name', () => {
    expect(originAllowed('https://ops.example.gov', 'ops.example.gov', 8080, undefined)).toBe(true);
    expect(originAllowed('http://ops.example.gov:8080', 'OPS.example.gov:8080', 8080, undefined)).toBe(true);
    expect(originAllowed('http://evil.example:8080', 'ops.example.gov:8080', 8080, undefined)).toBe(false);
    expect(originAllowed('http://ops.example.gov:8081', 'ops.example.gov:8080', 8080, undefined)).toBe(false);
  });

  it('default: localhost, 127.0.0.1 and [::1] only on the served port', () => {
    for (const h of ['localhost', '127.0.0.1', '[::1]'])
      expect(originAllowed(`http://${h}:8080`, 'elsewhere:1', 8080, undefined)).toBe(true);
    expect(originAllowed('http://localhost:5173', 'elsewhere:1', 8080, undefined)).toBe(false);
    expect(originAllowed('http://localhost', 'elsewhere:1', 80, undefined)).toBe(true);
  });

  it('refuses "null", garbage and non-http schemes; admits a handshake without Origin', () => {
    expect(originAllowed('null', 'localhost:8080', 8080, undefined)).toBe(false);
    expect(originAllowed('file://x', 'localhost:8080', 8080, undefined)).toBe(false);
    expect(originAllowed('not a url', 'localhost:8080', 8080, undefined)).toBe(false);
    expect(originAllowed(undefined, 'localhost:8080', 8080, ['https://ops.example.gov'])).toBe(true);
  });

  it('ALLOWED_ORIGINS: exactly those (no same-origin or localhost rule), * for any', () => {
    const list = ['https://ops.example.gov'];
    expect(originAllowed('https://ops.example.gov', 'x', 8080, list)).toBe(true);
    expect(originAllowed('https://ops.example.gov/', 'x', 8080, list)).toBe(true);
    expect(originAllowed('http://localhost:8080', 'localhost:8080', 8080, list)).toBe(false);
    expect(originAllowed('http://anything.example', 'x', 8080, ['*'])).toBe(true);
  });
});
