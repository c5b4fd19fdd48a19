/** Where the wall keeps its token for the life of the tab (not localStorage: closing the tab forgets it). */
const KEY = 'cityops.token';

/**
 * The wall's credential: a `?token=` in the address (the URL the launcher prints, or one made with
 * `npm run user -- screen-token <name>`) is moved into sessionStorage and removed from the address
 * bar at once (history.replaceState), so it is not left in the history, a screenshot or a bookmark.
 * Without one, a login session's HttpOnly cookie (same origin) is all the gateway gets.
 */
export function wallToken(): string | undefined {
  try {
    const url = new URL(window.location.href);
    const fromUrl = url.searchParams.get('token');
    if (fromUrl) {
      window.sessionStorage.setItem(KEY, fromUrl);
      url.searchParams.delete('token');
      window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    }
    return window.sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** `Authorization: Bearer <token>` for the gateway's REST API, when the wall has a token. */
export function authHeaders(): Record<string, string> {
  const token = wallToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}
