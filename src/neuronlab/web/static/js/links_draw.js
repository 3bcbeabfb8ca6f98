// Drawing the network's links from a prepared job, shared by links_worker.js and the page's fallback.
// job: { width, height, dpr, xy: Float32Array (x1, y1, x2, y2 per link), starts: offsets of each bucket
// into xy, alpha, colours, widths }: links pre-sorted into (sign, width) buckets so the style changes a dozen
// times; each link its own one-segment stroke (one path of thousands of overlapping segments is outlined
// before it is filled: several times slower).
export function drawLinks(canvas, job) {
  if (canvas.width !== job.width || canvas.height !== job.height) { canvas.width = job.width; canvas.height = job.height; }
  const ctx = canvas.getContext("2d"), xy = job.xy;
  ctx.setTransform(job.dpr, 0, 0, job.dpr, 0, 0);
  ctx.clearRect(0, 0, job.width, job.height);
  ctx.globalAlpha = job.alpha;
  for (let b = 0; b < job.colours.length; b++) {
    ctx.strokeStyle = job.colours[b]; ctx.lineWidth = job.widths[b];
    for (let i = job.starts[b]; i < job.starts[b + 1]; i += 4) {
      ctx.beginPath(); ctx.moveTo(xy[i], xy[i + 1]); ctx.lineTo(xy[i + 2], xy[i + 3]); ctx.stroke();
    }
  }
}
