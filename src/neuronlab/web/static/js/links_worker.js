// Draws the playground network's links off the main thread, on the canvas the page handed over
// (transferControlToOffscreen). Rasterising the 21,000 links of 64×6 takes 100–300 ms on a busy
// machine: here it delays only the links, never a click on Pause or Step. One job at a time: the page
// sends the next (the latest it has) only once told "drawn", so no stale frame is drawn.
import { drawLinks } from "./links_draw.js";

let canvas = null;
onmessage = (ev) => {
  if (ev.data.canvas) { canvas = ev.data.canvas; return; }
  drawLinks(canvas, ev.data);
  postMessage("drawn");
};
