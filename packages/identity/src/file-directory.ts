import {
  chmodSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
  fsyncSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import type { SessionRecord, UserDirectory, UserRecord } from './directory.js';
import { RoleSchema } from './roles.js';

const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  roles: z.array(RoleSchema),
  departmentId: z.string().optional(),
  passwordHash: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const SessionSchema = z.object({
  tokenHash: z.string(),
  userId: z.string(),
  username: z.string(),
  kind: z.enum(['session', 'screen']),
  createdAt: z.string(),
  expiresAt: z.string(),
});
const FileSchema = z.object({
  version: z.literal(1),
  users: z.array(UserSchema),
  sessions: z.array(SessionSchema),
});
type FileState = z.infer<typeof FileSchema>;

/**
 * Embedded mode's user directory: one JSON file (`USERS_FILE`, default `.cityops/users.json`),
 * mode 0600 in a 0700 directory, written whole to a temporary file, fsynced and renamed over the
 * old one, so a crash leaves the old or the new file, never half of one. The file is read again
 * whenever its modification time or size changes, so `npm run user` works while the server runs.
 * Two processes writing at the same instant can lose one write (no lock); the CLI is for people.
 */
export class FileDirectory implements UserDirectory {
  readonly kind = 'file' as const;
  private state: FileState = { version: 1, users: [], sessions: [] };
  private stamp = '';

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  private load(): FileState {
    let st;
    try {
      st = statSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.state = { version: 1, users: [], sessions: [] };
        this.stamp = '';
        return this.state;
      }
      throw err;
    }
    const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (stamp === this.stamp) return this.state;
    const parsed = FileSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
    if (!parsed.success)
      throw new CityopsError(
        ErrorCodes.CFG_INVALID,
        `${this.path} is not a cityops user file: ${parsed.error.issues[0]?.message ?? 'bad shape'}`,
      );
    this.state = parsed.data;
    this.stamp = stamp;
    return this.state;
  }

  private save(state: FileState): void {
    const now = this.now();
    state.sessions = state.sessions.filter((s) => Date.parse(s.expiresAt) > now);
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
    this.state = state;
    const st = statSync(this.path);
    this.stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  }

  private mutate<T>(fn: (state: FileState) => T): T {
    const state = structuredClone(this.load());
    const out = fn(state);
    this.save(state);
    return out;
  }

  getUser(username: string): Promise<UserRecord | undefined> {
    return Promise.resolve(this.load().users.find((u) => u.username === username));
  }

  listUsers(): Promise<UserRecord[]> {
    return Promise.resolve([...this.load().users].sort((a, b) => a.username.localeCompare(b.username)));
  }

  addUser(user: UserRecord): Promise<void> {
    return Promise.resolve(
      this.mutate((s) => {
        if (s.users.some((u) => u.username === user.username))
          throw new CityopsError(ErrorCodes.AUTH_USER_EXISTS, `a user named ${user.username} exists already`);
        s.users.push(user);
      }),
    );
  }

  updateUser(user: UserRecord): Promise<void> {
    return Promise.resolve(
      this.mutate((s) => {
        const i = s.users.findIndex((u) => u.username === user.username);
        if (i < 0) throw new CityopsError(ErrorCodes.AUTH_UNKNOWN_USER, `no user named ${user.username}`);
        s.users[i] = user;
      }),
    );
  }

  removeUser(username: string): Promise<boolean> {
    return Promise.resolve(
      this.mutate((s) => {
        const before = s.users.length;
        s.users = s.users.filter((u) => u.username !== username);
        s.sessions = s.sessions.filter((x) => x.username !== username);
        return s.users.length < before;
      }),
    );
  }

  putSession(session: SessionRecord): Promise<void> {
    return Promise.resolve(
      this.mutate((s) => {
        s.sessions.push(session);
      }),
    );
  }

  getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const found = this.load().sessions.find((s) => s.tokenHash === tokenHash);
    return Promise.resolve(found && Date.parse(found.expiresAt) > this.now() ? found : undefined);
  }

  deleteSession(tokenHash: string): Promise<void> {
    return Promise.resolve(
      this.mutate((s) => {
        s.sessions = s.sessions.filter((x) => x.tokenHash !== tokenHash);
      }),
    );
  }

  deleteSessionsOf(username: string): Promise<number> {
    return Promise.resolve(
      this.mutate((s) => {
        const before = s.sessions.length;
        s.sessions = s.sessions.filter((x) => x.username !== username);
        return before - s.sessions.length;
      }),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
