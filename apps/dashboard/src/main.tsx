import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { wallToken } from './api/auth-token.js';
import { connectFeeds } from './feed/connect.js';
import { ReplayMark } from './replay/ReplayMark.js';
import './styles.css';
// the wall's CJK font ships with it (Noto Sans SC, see fonts.css): nothing comes from the internet
import './fonts.css';

// take ?token= off the address bar before anything else runs
wallToken();
// one feed for the page's life, outside React, so StrictMode's double effects cannot open two sockets
const feeds = connectFeeds();

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <ReplayMark />
    <App feeds={feeds} />
  </StrictMode>,
);
