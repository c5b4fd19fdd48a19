import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { logout, me as fetchMe, token } from './api.js';
import { CasePage } from './components/CasePage.js';
import { DepartmentView } from './components/DepartmentView.js';
import { Login } from './components/Login.js';
import { Queue } from './components/Queue.js';
import { Rankings } from './components/Rankings.js';
import { CasesFeed } from './feed.js';
import { go, useNow, useRoute } from './hooks.js';
import type { Me } from './model.js';

/** The console: the login gate, then the queue, a case, the department view or the 红黑榜. */
export function App() {
  const [me, setMe] = useState<Me | null | 'loading'>(() => (token() ? 'loading' : null));
  useEffect(() => {
    if (me !== 'loading') return;
    void fetchMe().then((u) => setMe(u));
  }, [me]);
  if (me === 'loading') return <div className="console loading">载入中 · Loading…</div>;
  if (!me) return <Login onLogin={setMe} />;
  return <Desk me={me} onLogout={() => void logout().then(() => setMe(null))} />;
}

function Desk({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const feed = useMemo(() => new CasesFeed(token()), []);
  useEffect(() => () => feed.close(), [feed]);
  const state = useSyncExternalStore(feed.subscribe, feed.getState);
  const now = useNow(1_000);
  const serverNow = now + state.clockOffsetMs;
  const route = useRoute();
  const isDept =
    me.roles.includes('department') && !me.roles.some((r) => ['officer', 'supervisor', 'admin'].includes(r));
  const page = route[0] ?? (isDept ? 'dept' : 'queue');
  const live = state.synced && !state.error;

  return (
    <div className="console">
      <header className="bar">
        <div className="title">
          <span className="zh">值班员工作台</span>
          <span className="en">Duty Officer Console</span>
        </div>
        <nav>
          {!isDept && (
            <a href="#/queue" className={page === 'queue' ? 'on' : ''} data-testid="nav-queue">
              案件队列 <span className="en">Queue</span>
            </a>
          )}
          {me.departmentId && (
            <a href="#/dept" className={page === 'dept' ? 'on' : ''} data-testid="nav-dept">
              部门视图 <span className="en">Department</span>
            </a>
          )}
          <a href="#/rankings" className={page === 'rankings' ? 'on' : ''} data-testid="nav-rankings">
            红黑榜 <span className="en">Rankings</span>
          </a>
        </nav>
        <div className="who">
          <span
            className={`conn conn-${live ? 'live' : 'offline'}`}
            data-testid="conn"
            data-state={live ? 'live' : 'offline'}
          >
            {live ? '实时 LIVE' : state.error ? `未同步 ${state.error}` : '连接中 CONNECTING'}
          </span>
          <span data-testid="me">
            {me.username} · {me.roles.join(', ')}
            {me.departmentId ? ` · ${me.departmentId}` : ''}
          </span>
          <button type="button" onClick={onLogout} data-testid="logout">
            退出 <span className="en">Log out</span>
          </button>
        </div>
      </header>
      <main className="page">
        {page === 'case' && route[1] ? (
          <CasePage
            id={route[1]}
            me={me}
            summary={state.data?.cases[route[1]]}
            serverNow={serverNow}
            onBack={() => go(isDept ? 'dept' : 'queue')}
          />
        ) : page === 'dept' && me.departmentId ? (
          <DepartmentView me={me} data={state.data} serverNow={serverNow} />
        ) : page === 'rankings' ? (
          <Rankings />
        ) : (
          <Queue data={state.data} serverNow={serverNow} synced={state.synced} />
        )}
      </main>
    </div>
  );
}
