import { useState, type FormEvent } from 'react';
import { login } from '../api.js';
import type { Me } from '../model.js';

export function Login({ onLogin }: { onLogin: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await login(username, password);
    setBusy(false);
    if ('me' in r) onLogin(r.me);
    else setError(r.error);
  };
  return (
    <div className="console login-page">
      <form className="login" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <h1>
          值班员工作台 <span className="en">Duty Officer Console</span>
        </h1>
        <label>
          用户名 <span className="en">User name</span>
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoFocus
          />
        </label>
        <label>
          密码 <span className="en">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !username || !password} data-testid="login-submit">
          登录 <span className="en">Log in</span>
        </button>
      </form>
    </div>
  );
}
