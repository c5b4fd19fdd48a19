import { useEffect, useState } from 'react';
import { api } from '../api.js';

interface Row {
  id: string;
  name: string;
  cases: number;
  onTimeCheckinRate: number | null;
  medianResolveMinutes: number | null;
  reopenRate: number | null;
  handlingRating: number | null;
  whistleRating: number | null;
  score: number | null;
}
interface Board {
  month: string;
  cases: number;
  departments: Row[];
  streets: Row[];
  red: { departments: string[]; streets: string[] };
  black: { departments: string[]; streets: string[] };
  method: string;
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
const num = (x: number | null, d = 1) => (x === null ? '—' : x.toFixed(d));

/** 红黑榜 for a month, from the record (GET /api/v1/rankings?month=). */
export function Rankings() {
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7));
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void api<Board>('GET', `/api/v1/rankings?month=${month}`).then((r) => {
      if (r.status === 200) {
        setBoard(r.body);
        setError(null);
      } else setError(`${r.status} ${r.body.code ?? ''}`);
    });
  }, [month]);
  const table = (rows: Row[], red: string[], black: string[], testid: string) => (
    <table data-testid={testid}>
      <thead>
        <tr>
          <th>名称 Name</th>
          <th>案件 Cases</th>
          <th>按时报到 On-time</th>
          <th>办结中位 Resolve (min)</th>
          <th>重开率 Reopen</th>
          <th>处置评价 Handling</th>
          <th>吹哨评价 Whistle</th>
          <th>得分 Score</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} className={red.includes(r.id) ? 'red' : black.includes(r.id) ? 'black' : ''}>
            <td>
              {red.includes(r.id) && <b className="tag red">红榜</b>}
              {black.includes(r.id) && <b className="tag black">黑榜</b>} {r.name}
            </td>
            <td>{r.cases}</td>
            <td>{pct(r.onTimeCheckinRate)}</td>
            <td>{num(r.medianResolveMinutes)}</td>
            <td>{pct(r.reopenRate)}</td>
            <td>{num(r.handlingRating)}</td>
            <td>{num(r.whistleRating)}</td>
            <td>{num(r.score)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <section className="panel rankings" data-widget="rankings" data-fresh={board !== null}>
      <h2>
        红黑榜 <span className="en">Monthly red / black ranking</span>
        <input type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />
      </h2>
      {error && <p className="error">{error}</p>}
      {board && (
        <>
          <p className="en">
            {board.cases} 件 cases · {board.method}
          </p>
          <h3>部门 Departments</h3>
          {table(board.departments, board.red.departments, board.black.departments, 'rank-departments')}
          <h3>街镇 Streets</h3>
          {table(board.streets, board.red.streets, board.black.streets, 'rank-streets')}
        </>
      )}
    </section>
  );
}
