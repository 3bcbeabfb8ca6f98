// Export the trained network (toolbar): "Export Python" and "Export JSON" download the session's network as a
// runnable script of neuronlab's own estimator, or as JSON (GET /api/playground/{sid}/export.py | .json).
// The file is fetched first and handed to the browser as a download, so a refusal (a diverged network, an
// expired session) is the server's one line in the page's error slot, never a saved error page.

const FILENAME = /filename="([^"]+)"/;

async function download(session, suffix) {
  const response = await fetch(`/api/playground/${encodeURIComponent(session)}/export.${suffix}`);
  if (!response.ok) {
    const data = await response.json().catch(() => ({ detail: response.statusText }));
    throw new Error(data.detail || response.statusText);
  }
  const named = FILENAME.exec(response.headers.get("Content-Disposition") || "");
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: named ? named[1] : `neuronlab.${suffix}` });
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// `session()`: the current session id (null before one started); `setError(message)`: the page's error line.
export function initExport(session, setError) {
  for (const [id, suffix] of [["#export-py", "py"], ["#export-json", "json"]]) {
    const button = document.querySelector(id);
    if (!button) continue;
    button.addEventListener("click", async () => {
      if (!session()) return;
      button.disabled = true;
      try {
        await download(session(), suffix);
      } catch (err) {
        setError(`export: ${err.message}`);
      } finally {
        button.disabled = false;
      }
    });
  }
}
