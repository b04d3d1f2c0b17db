// The replay of a live lecture: the lesson video is the trainer's camera
// with the sound; the screen shares (data-overlays: url, offset_ms,
// duration_ms on the camera's time) play above it in step. Honest watch
// time follows the camera video as in any lesson (player.js).
(function () {
  'use strict';
  var box = document.querySelector('[data-overlays]');
  if (!box) { return; }
  var list = [];
  try { list = JSON.parse(box.dataset.overlays || '[]'); } catch (e) { list = []; }
  var cam = document.getElementById('pl-video');
  var scr = document.getElementById('pl-screen');
  if (!list.length || !cam || !scr) { return; }
  var cur = -1;

  function sync() {
    var t = cam.currentTime * 1000;
    var idx = -1;
    for (var i = 0; i < list.length; i++) {
      if (t >= list[i].offset_ms && t < list[i].offset_ms + list[i].duration_ms) { idx = i; }
    }
    if (idx !== cur) {
      cur = idx;
      if (idx < 0) {
        scr.pause(); scr.hidden = true; box.classList.remove('with-screen');
        return;
      }
      scr.src = list[idx].url;
      scr.hidden = false; box.classList.add('with-screen');
    }
    if (idx < 0) { return; }
    var want = (t - list[idx].offset_ms) / 1000;
    if (scr.readyState >= 1 && Math.abs(scr.currentTime - want) > 0.4) { scr.currentTime = want; }
    scr.playbackRate = cam.playbackRate;
    if (cam.paused && !scr.paused) { scr.pause(); }
    if (!cam.paused && scr.paused) { scr.play().catch(function () { /* shown paused */ }); }
  }
  ['timeupdate', 'play', 'pause', 'seeked', 'ratechange'].forEach(function (ev) { cam.addEventListener(ev, sync); });
  scr.addEventListener('loadedmetadata', sync);
})();
