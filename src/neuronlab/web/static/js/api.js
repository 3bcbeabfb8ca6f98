// Fetch the JSON API; a 4xx/5xx becomes an Error carrying the server's one-line `detail`.
export async function api(method, url, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({ detail: response.statusText }));
  if (!response.ok) throw new Error(data.detail || response.statusText);
  return data;
}

export function fmt(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return Number(value).toFixed(digits);
}

export function sig(value, digits = 6) {
  if (value === null || value === undefined) return "—";
  return Number(value).toPrecision(digits);
}
