import { CityopsError, ErrorCodes } from '@cityops/schema';

/** A failure after which the same batch is sent again (the system was unreachable or answered 503). */
export class Resend extends CityopsError {}

/**
 * POSTs one batch to the running system and returns its answer, or throws `Resend` when the batch
 * must be sent again: the connection was refused, reset or cut off, or the system answered 503
 * (its bus or store unavailable, with the code it named).
 */
export async function postBatch(
  doFetch: typeof fetch,
  endpoint: string,
  contentType: string,
  apiKey: string,
  body: string,
): Promise<{ status: number; text: string }> {
  let status: number;
  let text: string;
  try {
    const res = await doFetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-api-key': apiKey },
      body,
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    // refused, reset (a gateway killed mid-request) or cut off while reading the answer
    throw new Resend(ErrorCodes.BUS_UNAVAILABLE, `cannot reach ${endpoint}: ${describe(err)}`);
  }
  if (status === 503) {
    const named = codeOf(text);
    const code = named === ErrorCodes.STORE_UNAVAILABLE ? ErrorCodes.STORE_UNAVAILABLE : ErrorCodes.BUS_UNAVAILABLE;
    throw new Resend(code, `the system answered 503 (${named ?? code})`);
  }
  return { status, text };
}

function codeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const base = err instanceof Error ? err.message : String(err);
  return cause ? `${base} (${cause.code ?? cause.message ?? ''})` : base;
}
