#!/usr/bin/env node
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { isCityopsError } from '@cityops/schema';
import { openIdentity, DEFAULT_USERS_FILE } from './open.js';
import { ROLES, type Role } from './roles.js';
import type { IdentityService } from './service.js';

const USAGE = `usage: npm run user -- <command>
  add <name> --role <role>[,<role>] [--department <id>]   password read from standard input
  passwd <name>                                           new password read from standard input
  remove <name>                                           also ends its sessions and screen tokens
  list
  screen-token <name>        prints a new read-only token for a wall (creates the screen user if missing)
roles: ${ROLES.join(', ')}
where: REDIS_URL set → Redis under REDIS_KEY_PREFIX; else USERS_FILE (default ${DEFAULT_USERS_FILE})
a password is never taken from the command line: pipe it (printf %s "$PW" | npm run user -- add ...) or type it`;

/** Reads one password from stdin: typed without echo on a terminal (twice), else the first line of the pipe. */
async function readPassword(prompt: string, out: NodeJS.WritableStream): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      out.write(q);
      const rl = createInterface({ input: stdin, terminal: true });
      // no echo: the readline writes nothing back for the typed characters
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
      rl.question('', (answer) => {
        rl.close();
        out.write('\n');
        resolve(answer);
      });
    });
  const a = await ask(prompt);
  const b = await ask('again: ');
  if (a !== b) throw new Error('the two passwords differ');
  return a;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  readPassword: (prompt: string) => Promise<string>;
}

/** Runs one CLI command; returns the exit status. */
export async function runUserCli(argv: string[], identity: IdentityService, io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        department: { type: 'string' },
        password: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, name, ...rest] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.password !== undefined) {
    io.err('--password is refused: a password on the command line ends up in shell history and ps; pipe it to stdin');
    return 2;
  }
  if (rest.length > 0) {
    io.err(`unexpected ${rest.join(' ')}\n${USAGE}`);
    return 2;
  }
  const needName = () => {
    if (!name) throw new UsageError(`${command} needs a user name`);
    return name;
  };
  try {
    switch (command) {
      case 'add': {
        const username = needName();
        if (!values.role) throw new UsageError('add needs --role <role>');
        const roles = values.role.split(',').map((r) => r.trim()) as Role[];
        const password = roles.every((r) => r === 'screen')
          ? undefined
          : await io.readPassword(`password for ${username}: `);
        const user = await identity.addUser({
          username,
          roles,
          ...(values.department ? { departmentId: values.department } : {}),
          ...(password !== undefined ? { password } : {}),
        });
        io.out(
          `added ${user.username} (${user.roles.join(',')}${user.departmentId ? `, department ${user.departmentId}` : ''})`,
        );
        return 0;
      }
      case 'passwd': {
        const username = needName();
        await identity.setPassword(username, await io.readPassword(`new password for ${username}: `));
        io.out(`password of ${username} changed; its sessions are ended`);
        return 0;
      }
      case 'remove': {
        const username = needName();
        if (!(await identity.removeUser(username))) {
          io.err(`no user named ${username}`);
          return 1;
        }
        io.out(`removed ${username} and its sessions`);
        return 0;
      }
      case 'list': {
        for (const u of await identity.listUsers())
          io.out(`${u.username}\t${u.roles.join(',')}${u.departmentId ? `\t${u.departmentId}` : ''}`);
        return 0;
      }
      case 'screen-token': {
        const username = needName();
        if (!(await identity.directory.getUser(username))) await identity.addUser({ username, roles: ['screen'] });
        const { token, expiresAt } = await identity.issueScreenToken(username);
        io.err(`screen token for ${username}, valid until ${expiresAt} (open the wall at /?token=<token>):`);
        io.out(token);
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n${USAGE}`);
      return 2;
    }
    if (isCityopsError(err)) {
      io.err(`${err.code}: ${err.message}`);
      return 1;
    }
    io.err(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

class UsageError extends Error {}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  // only the settings the directory needs: REDIS_URL alone (without KAFKA_BROKERS) is fine here
  const { EnvSchema } = await import('@cityops/config');
  const keys = ['REDIS_URL', 'REDIS_KEY_PREFIX', 'USERS_FILE', 'SESSION_TTL_MINUTES', 'SCREEN_TOKEN_TTL_DAYS'] as const;
  const input = Object.fromEntries(keys.flatMap((k) => (process.env[k]?.trim() ? [[k, process.env[k]]] : [])));
  const settings = EnvSchema.pick({
    REDIS_URL: true,
    REDIS_KEY_PREFIX: true,
    USERS_FILE: true,
    SESSION_TTL_MINUTES: true,
    SCREEN_TOKEN_TTL_DAYS: true,
  }).safeParse(input);
  if (!settings.success) {
    process.stderr.write(
      `Invalid configuration: ${settings.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')}\n`,
    );
    process.exit(2);
  }
  const identity = openIdentity(settings.data);
  const code = await runUserCli(process.argv.slice(2), identity, {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    readPassword: (p) => readPassword(p, process.stderr),
  });
  await identity.close();
  process.exit(code);
}
